// Plugins: what loaded, which contracts each serves, and why one failed.

import {api} from './api.js';
import {escape, table} from './format.js';

export async function render(view) {
  const draw = async () => {
    const data = await api('/plugins');
    view.innerHTML = `<h2>Plugins</h2>${table([
      {title: 'Plugin', value: p => p.id},
      {title: 'State', html: p => `<span class="${p.state === 'running' ? 'ok' : 'bad'}">${escape(p.state)}</span>`},
      {title: 'Source', value: p => p.source},
      {title: 'Serves', html: p => p.services.map(s => `${escape(s.contract)} <code>${escape(s.name)}</code>`).join('<br>')},
      {title: 'Error', value: p => p.error || ''}
    ], data.plugins, 'No plugins.')}`;
  };
  await draw();
  return {refresh: draw, every: 15000};
}
