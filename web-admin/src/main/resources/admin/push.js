// Push: per provider, for the whole cluster, tokens, sends, retries, failures, pruned tokens, the
// outbox (marked past its threshold), dead letters and the last error.

import {api} from './api.js';
import {ago, escape, level, number, table} from './format.js';

export async function render(view) {
  view.innerHTML = `<h2>Push</h2>
    <p class="muted">Per provider, for the whole cluster. Outbox: pushes waiting or being sent. Dead: given up after the last
    attempt (kept for inspection). Pruned: tokens the provider reported dead.</p><div id="providers"></div>`;
  const draw = async () => {
    const data = await api('/push');
    const outboxLimit = data.thresholds.outbox_depth;
    document.getElementById('providers').innerHTML = table([
      {title: 'Provider', html: p => `<code>${escape(p.provider)}</code>`},
      {title: 'Tokens', num: true, value: p => number(p.tokens)},
      {title: 'Sent', num: true, value: p => number(p.sent)},
      {title: 'Retried', num: true, value: p => number(p.retried)},
      {title: 'Failed', num: true, html: p => `<span class="${p.failed ? 'bad' : ''}">${number(p.failed)}</span>`},
      {title: 'Pruned', num: true, value: p => number(p.pruned)},
      {title: 'Outbox', num: true, html: p => `<span data-outbox="${escape(p.provider)}">${level(number(p.outbox), p.outbox, outboxLimit)}</span>`},
      {title: 'Dead', num: true, html: p => `<span class="${p.dead ? 'bad' : ''}">${number(p.dead)}</span>`},
      {title: 'Last sent', html: p => ago(p.last_sent_at)},
      {title: 'Last error', html: p => p.last_error ? `${escape(p.last_error)} ${ago(p.last_error_at)}` : '<span class="muted">none</span>'}
    ], data.providers, 'No push provider has been used yet.');
  };
  await draw();
  return {refresh: draw, every: 5000};
}
