// Connections: find a device's live connection by its id (or the start of it, as the console shows
// ids) or by its user's id, and disconnect it or all of that user's devices.

import {api} from './api.js';
import {ago, device, escape, level, number, table, userLink} from './format.js';
import {bindActions, deviceButtons, userButton} from './actions.js';

export async function render(view, {query}) {
  const q = query.get('q') || '';
  view.innerHTML = `<h2>Connections</h2>
    <form class="inline" id="connection-search">
      <input id="connection-query" placeholder="device id (or its start) or user id" value="${escape(q)}" aria-label="device or user id" size="40">
      <button>Find</button></form><div id="connection-results"></div>`;
  document.getElementById('connection-search').addEventListener('submit', event => {
    event.preventDefault();
    location.hash = '#/connections?q=' + encodeURIComponent(document.getElementById('connection-query').value.trim());
  });
  if (!q) {
    document.getElementById('connection-results').innerHTML =
      '<p class="muted">Paste a device id, the first characters of one, or a user id.</p>';
    return null;
  }
  const results = document.getElementById('connection-results');
  const draw = async () => {
    const data = await api('/connections?q=' + encodeURIComponent(q));
    const users = [...new Set(data.devices.map(d => d.user_id))];
    results.innerHTML = `${table([
      {title: 'User', html: d => userLink(d.user_id)},
      {title: 'Device', html: d => device(d.name, d.device_id)},
      {title: 'Platform', value: d => d.platform || '—'},
      {title: 'Connection', html: d => d.online == null ? '<span class="muted">unknown (Redis did not answer)</span>'
        : d.online ? `<span class="ok" data-online="true">online</span> on <code>${escape(d.presence.node)}</code>`
          + ` <span class="muted">${number(d.presence.connections)} socket${d.presence.connections === 1 ? '' : 's'}</span>`
        : '<span class="muted" data-online="false">offline</span>'},
      {title: 'Connected', html: d => d.online ? ago(d.presence.since) : ''},
      {title: 'Attention', html: d => d.online && d.presence.attention ? escape(d.presence.attention) : ''},
      {title: 'Lag', num: true, html: d => level(number(d.lag), d.lag, data.thresholds.device_lag)},
      {title: 'Last seen', html: d => ago(d.last_seen)},
      {title: '', html: d => deviceButtons(d.user_id, d)}
    ], data.devices, 'No active device has this id or belongs to this user.', d => `data-device-row="${escape(d.device_id)}"`)}
    ${users.length === 1 ? `<p>${userButton(users[0])}</p>` : ''}`;
    bindActions(results, draw);
  };
  await draw();
  return {refresh: draw, every: 5000};
}
