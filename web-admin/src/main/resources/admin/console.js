// The Lockstep operators' console: a small single-page app over /admin/api. Views are routed by the
// URL hash; every change sends the CSRF token from the XSRF-TOKEN cookie in the X-XSRF-TOKEN header.

const view = document.getElementById('view');
const nav = document.getElementById('nav');
let refreshTimer = null;

function escape(value) {
  return String(value ?? '').replace(/[&<>"']/g, c => ({'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;'}[c]));
}

function cookie(name) {
  const found = document.cookie.split('; ').find(part => part.startsWith(name + '='));
  return found ? decodeURIComponent(found.split('=').slice(1).join('=')) : '';
}

async function api(path, options = {}) {
  const method = options.method || 'GET';
  const headers = {'Accept': 'application/json'};
  if (method !== 'GET') {
    headers['Content-Type'] = 'application/json';
    headers['X-XSRF-TOKEN'] = cookie('XSRF-TOKEN');
  }
  const response = await fetch('/admin/api' + path, {method, headers, credentials: 'same-origin',
    body: options.body ? JSON.stringify(options.body) : undefined});
  const body = await response.json().catch(() => ({}));
  if (response.status === 401 && path !== '/session') {
    location.hash = '#/signin';
    throw new Error(body.message || 'sign in first');
  }
  if (!response.ok) {
    throw new Error(body.message || ('HTTP ' + response.status));
  }
  return body;
}

function time(ms) {
  return ms ? new Date(ms).toLocaleString() : '—';
}

function ago(ms) {
  if (!ms) return '—';
  const seconds = Math.round((Date.now() - ms) / 1000);
  if (seconds < 90) return seconds + ' s ago';
  if (seconds < 5400) return Math.round(seconds / 60) + ' min ago';
  if (seconds < 172800) return Math.round(seconds / 3600) + ' h ago';
  return Math.round(seconds / 86400) + ' d ago';
}

function table(columns, rows, empty = 'Nothing here.') {
  if (!rows.length) return `<p class="muted">${escape(empty)}</p>`;
  const head = columns.map(c => `<th class="${c.num ? 'num' : ''}">${escape(c.title)}</th>`).join('');
  const body = rows.map(row => '<tr>' + columns.map(c => `<td class="${c.num ? 'num' : ''}">${c.html ? c.html(row) : escape(c.value(row))}</td>`).join('') + '</tr>').join('');
  return `<table><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`;
}

// ---- sign-in

async function signIn() {
  nav.hidden = true;
  document.getElementById('sign-out').hidden = true;
  document.getElementById('whoami').textContent = '';
  await api('/session');
  view.innerHTML = `<form class="signin" id="signin-form">
      <h2>Sign in</h2>
      <label for="username">Username</label><input id="username" autocomplete="username" required>
      <label for="password">Password</label><input id="password" type="password" autocomplete="current-password" required>
      <button type="submit" id="signin-button">Sign in</button>
      <div class="error" id="signin-error"></div>
    </form>`;
  document.getElementById('signin-form').addEventListener('submit', async event => {
    event.preventDefault();
    try {
      await api('/session', {method: 'POST', body: {username: document.getElementById('username').value,
        password: document.getElementById('password').value}});
      location.hash = '#/overview';
    } catch (error) {
      document.getElementById('signin-error').textContent = error.message;
    }
  });
}

// ---- overview: nodes and live charts

const series = {t: [], rate: [], deliveryP50: [], deliveryP99: [], readP50: [], readP99: []};

function lineChart(element, title, labels, data) {
  const colors = ['#1f6feb', '#c62828', '#2e7d32', '#8e24aa'];
  return new uPlot({title, width: 420, height: 200,
    series: [{}, ...labels.map((label, i) => ({label, stroke: colors[i], width: 2}))],
    axes: [{}, {size: 50}]}, data, element);
}

async function overview() {
  view.innerHTML = `<h2>Overview</h2><div class="cards" id="cards"></div>
    <div class="charts"><div class="chart" id="chart-rate"></div><div class="chart" id="chart-delivery"></div><div class="chart" id="chart-read"></div></div>
    <h3>Nodes</h3><div id="nodes"></div>`;
  const charts = [];
  const draw = async () => {
    const data = await api('/overview');
    const node = name => data.nodes.reduce((max, n) => Math.max(max, (n[name] || {}).p99 || 0), 0);
    const median = name => data.nodes.length ? data.nodes.reduce((sum, n) => sum + ((n[name] || {}).p50 || 0), 0) / data.nodes.length : 0;
    document.getElementById('cards').innerHTML = [
      ['Nodes', data.nodes.length], ['Connections', data.connections], ['Devices online', data.devices_online],
      ['Messages / s', data.send_rate.toFixed(1)]
    ].map(([label, value]) => `<div class="card"><div class="value">${escape(value)}</div><div class="label">${escape(label)}</div></div>`).join('');
    document.getElementById('nodes').innerHTML = table([
      {title: 'Node', value: n => n.node + (n.node === data.served_by ? ' (this one)' : '')},
      {title: 'Up since', value: n => time(n.started)},
      {title: 'Connections', num: true, value: n => n.connections},
      {title: 'Devices online', num: true, value: n => n.devices_online},
      {title: 'Messages / s', num: true, value: n => n.send_rate},
      {title: 'Delivery p50 / p99 ms', num: true, value: n => `${(n.delivery_ms || {}).p50 ?? '—'} / ${(n.delivery_ms || {}).p99 ?? '—'}`},
      {title: 'Read propagation p50 / p99 ms', num: true, value: n => `${(n.read_propagation_ms || {}).p50 ?? '—'} / ${(n.read_propagation_ms || {}).p99 ?? '—'}`},
      {title: 'Reported', value: n => ago(n.updated)}
    ], data.nodes, 'No node has reported yet.');
    series.t.push(Date.now() / 1000);
    series.rate.push(data.send_rate);
    series.deliveryP50.push(median('delivery_ms'));
    series.deliveryP99.push(node('delivery_ms'));
    series.readP50.push(median('read_propagation_ms'));
    series.readP99.push(node('read_propagation_ms'));
    if (series.t.length > 150) Object.values(series).forEach(values => values.shift());
    const sets = [[series.t, series.rate], [series.t, series.deliveryP50, series.deliveryP99], [series.t, series.readP50, series.readP99]];
    if (!charts.length) {
      charts.push(lineChart(document.getElementById('chart-rate'), 'Messages per second', ['messages/s'], sets[0]));
      charts.push(lineChart(document.getElementById('chart-delivery'), 'Send → delivery (ms)', ['p50', 'p99'], sets[1]));
      charts.push(lineChart(document.getElementById('chart-read'), 'Read propagation (ms)', ['p50', 'p99'], sets[2]));
    } else {
      charts.forEach((chart, i) => chart.setData(sets[i]));
    }
  };
  await draw();
  refreshTimer = setInterval(() => draw().catch(() => {}), 2000);
}

// ---- users

async function users(query = '') {
  view.innerHTML = `<h2>Users</h2><form class="inline" id="user-search"><input id="user-query" placeholder="user id starts with…" value="${escape(query)}"><button>Search</button></form><div id="user-results"></div>`;
  document.getElementById('user-search').addEventListener('submit', event => {
    event.preventDefault();
    location.hash = '#/users?q=' + encodeURIComponent(document.getElementById('user-query').value);
  });
  const data = await api('/users?q=' + encodeURIComponent(query));
  document.getElementById('user-results').innerHTML = table([
    {title: 'User', html: u => `<a href="#/user/${encodeURIComponent(u.user_id)}">${escape(u.user_id)}</a>`},
    {title: 'Devices', num: true, value: u => u.devices},
    {title: 'Head', num: true, value: u => u.head},
    {title: 'Retention floor', num: true, value: u => u.floor},
    {title: 'Since', value: u => time(u.created)}
  ], data.users, 'No user matches.');
}

async function user(userId) {
  const u = await api('/users/' + encodeURIComponent(userId));
  view.innerHTML = `<h2>User ${escape(u.user_id)}</h2>
    <div class="cards">
      <div class="card"><div class="value">${u.head}</div><div class="label">Log head</div></div>
      <div class="card"><div class="value">${u.floor}</div><div class="label">Retention floor</div></div>
      <div class="card"><div class="value">${u.devices.filter(d => !d.revoked).length}</div><div class="label">Devices</div></div>
      <div class="card"><div class="value">${u.total_unread}</div><div class="label">Unread (badge)</div></div>
    </div>
    <h3>Devices</h3><div id="devices"></div>
    <h3>Conversations</h3><div id="conversations"></div>
    <h3>Account settings</h3><div id="settings"></div>`;
  document.getElementById('devices').innerHTML = table([
    {title: 'Device', html: d => `<code>${escape(d.device_id)}</code>`},
    {title: 'Name', value: d => d.name},
    {title: 'Platform', value: d => d.platform},
    {title: 'Online', html: d => d.revoked ? '<span class="muted">revoked</span>' : d.online ? `<span class="ok">online</span> <span class="muted">${escape((d.presence || {}).node)}</span>` : '<span class="muted">offline</span>'},
    {title: 'Cursor', num: true, value: d => d.cursor},
    {title: 'Lag', num: true, html: d => `<span class="${d.behind_retention ? 'bad' : ''}" data-lag="${d.lag}">${d.lag}${d.behind_retention ? ' (behind retention)' : ''}</span>`},
    {title: 'Last seen', value: d => ago(d.last_seen)},
    {title: 'Last ack', value: d => d.last_ack_at ? ago(d.last_ack_at) : 'never'},
    {title: 'Attention', html: d => d.attention ? `<span data-attention="${escape(d.attention)}">${escape(d.attention)}</span> <span class="muted">${escape(ago(d.attention_at))}</span>` : '<span class="muted">never said</span>'},
    {title: 'Push', html: d => d.push ? `${escape(d.push.provider)} <span class="muted">token ${escape(age(d.push.token_age_seconds))} old</span>` : '<span class="muted">none</span>'},
    {title: 'Duplicates caught', num: true, value: d => d.duplicate_sends},
    {title: 'Divergences', num: true, html: d => d.divergences ? `<span class="bad">${d.divergences}</span>` : '0'},
    {title: 'Drain', html: d => d.drain_up_to != null ? `unlink at ${d.drain_up_to} <span class="muted">(deadline ${escape(new Date(d.drain_deadline).toISOString())})</span>` : ''},
    {title: 'Overrides', html: d => d.overrides ? `<code>${escape(JSON.stringify(d.overrides))}</code>` : '<span class="muted">none</span>'},
    {title: '', html: d => d.revoked ? '' : `<button class="danger" data-revoke="${escape(d.device_id)}">Revoke</button>`}
  ], u.devices, 'No devices.');
  document.getElementById('conversations').innerHTML = table([
    {title: 'Conversation', html: c => `<a href="#/conversation/${encodeURIComponent(c.conversation_id)}"><code>${escape(c.conversation_id)}</code></a>`},
    {title: 'Kind', value: c => c.kind},
    {title: 'Title', value: c => c.title || ''},
    {title: 'Head', num: true, value: c => c.head},
    {title: 'Read up to', num: true, value: c => c.read_up_to},
    {title: 'Unread', num: true, value: c => c.unread + (c.marked_unread ? ' (marked)' : '')}
  ], u.conversations, 'No conversations.');
  const settings = Object.entries(u.settings || {});
  document.getElementById('settings').innerHTML = table([
    {title: 'Key', value: s => s[0]}, {title: 'Value', html: s => `<code>${escape(JSON.stringify(s[1].value))}</code>`},
    {title: 'Version', num: true, value: s => s[1].version}, {title: 'Written by', value: s => s[1].device_id || 'server API'}
  ], settings, 'Nothing set: every key has its default.');
  view.querySelectorAll('[data-revoke]').forEach(button => button.addEventListener('click', async () => {
    const deviceId = button.dataset.revoke;
    if (!confirm(`Revoke device ${deviceId} of ${u.user_id}? Its connections close at once and it can never sign in again.`)) return;
    try {
      await api(`/users/${encodeURIComponent(u.user_id)}/devices/${encodeURIComponent(deviceId)}/revoke`, {method: 'POST'});
      await user(userId);
    } catch (error) {
      alert(error.message);
    }
  }));
}

// ---- conversations

async function conversations(query = '') {
  view.innerHTML = `<h2>Conversations</h2><form class="inline" id="conversation-search"><input id="conversation-query" placeholder="id starts with, or title contains…" value="${escape(query)}"><button>Search</button></form><div id="conversation-results"></div>`;
  document.getElementById('conversation-search').addEventListener('submit', event => {
    event.preventDefault();
    location.hash = '#/conversations?q=' + encodeURIComponent(document.getElementById('conversation-query').value);
  });
  const data = await api('/conversations?q=' + encodeURIComponent(query));
  document.getElementById('conversation-results').innerHTML = table([
    {title: 'Conversation', html: c => `<a href="#/conversation/${encodeURIComponent(c.conversation_id)}"><code>${escape(c.conversation_id)}</code></a>`},
    {title: 'Kind', value: c => c.kind}, {title: 'Title', value: c => c.title || ''},
    {title: 'Members', num: true, value: c => c.members}, {title: 'Head', num: true, value: c => c.head}
  ], data.conversations, 'No conversation matches.');
}

async function conversation(conversationId, before) {
  const c = await api(`/conversations/${encodeURIComponent(conversationId)}?limit=50${before ? '&before=' + before : ''}`);
  const oldest = c.messages.length ? c.messages[c.messages.length - 1].conv_seq : 0;
  view.innerHTML = `<h2>Conversation <code>${escape(c.conversation_id)}</code></h2>
    <p>${escape(c.kind)}${c.stream ? ' (stream)' : ''} · ${escape(c.title || 'untitled')} · head ${c.head} · ${c.member_count} members</p>
    <h3>Members${c.member_count > c.members.length ? ` (the first ${c.members.length})` : ''}</h3>${table([
      {title: 'User', html: m => `<a href="#/user/${encodeURIComponent(m.user_id)}">${escape(m.user_id)}</a>`},
      {title: 'Read up to', num: true, value: m => m.read_up_to}, {title: 'Delivered up to', num: true, value: m => m.delivered_up_to},
      {title: 'Unread', num: true, value: m => m.unread + (m.marked_unread ? ' (marked)' : '')}, {title: 'Joined', value: m => time(m.joined)}
    ], c.members)}
    <h3>Log</h3>${table([
      {title: 'conv_seq', num: true, value: m => m.conv_seq}, {title: 'Sender', value: m => m.sender_user},
      {title: 'Device', html: m => `<code>${escape(m.sender_device)}</code>`}, {title: 'client_msg_id', value: m => m.client_msg_id},
      {title: 'Body', html: m => `<code>${escape(JSON.stringify(m.body))}</code>`}, {title: 'At', value: m => time(m.ts)}
    ], c.messages, 'No messages.')}
    ${oldest > 1 ? `<p><a href="#/conversation/${encodeURIComponent(conversationId)}?before=${oldest}">Older messages →</a></p>` : ''}`;
}

// ---- sync health, plugins, audit

async function health() {
  const h = await api('/sync-health');
  const deviceColumns = [
    {title: 'User', html: d => `<a href="#/user/${encodeURIComponent(d.user_id)}">${escape(d.user_id)}</a>`},
    {title: 'Device', value: d => d.name}, {title: 'Platform', value: d => d.platform},
    {title: 'Cursor', num: true, value: d => d.cursor}, {title: 'Head', num: true, value: d => d.head},
    {title: 'Lag', num: true, value: d => d.lag}, {title: 'Duplicates', num: true, value: d => d.duplicate_sends},
    {title: 'Last seen', value: d => ago(d.last_seen)}
  ];
  view.innerHTML = `<h2>Sync health</h2><div class="chart" id="lag-chart"></div>
    <h3>Furthest behind</h3>${table(deviceColumns, h.laggards, 'No devices.')}
    <h3>Stuck behind the retention window (will get a reset)</h3>${table(deviceColumns, h.behind_retention, 'None: every device is inside the window.')}
    <h3>Duplicate senders (retries caught)</h3>${table(deviceColumns, h.duplicate_senders, 'No duplicate sends.')}
    <h3>Divergent state (repaired after a digest mismatch)</h3>${table(deviceColumns.concat([
      {title: 'Divergences', num: true, value: d => d.divergences}, {title: 'Last', value: d => ago(d.last_divergence_at)}
    ]), h.divergent, 'No device reported a divergence.')}
    <p>Push tokens and deliveries: see <a href="#/push">Push</a>.</p>`;
  const buckets = Object.keys(h.lag_distribution);
  new uPlot({title: 'Devices by lag (events behind)', width: 640, height: 220,
    scales: {x: {time: false}},
    axes: [{values: (u, ticks) => ticks.map(i => buckets[i] ?? '')}, {size: 50}],
    series: [{}, {label: 'devices', stroke: '#1f6feb', fill: 'rgba(31,111,235,.25)', paths: uPlot.paths.bars({size: [0.6]})}]},
    [buckets.map((_, i) => i), buckets.map(b => h.lag_distribution[b])], document.getElementById('lag-chart'));
}

function age(seconds) {
  if (seconds < 90) return seconds + ' s';
  if (seconds < 5400) return Math.round(seconds / 60) + ' min';
  if (seconds < 172800) return Math.round(seconds / 3600) + ' h';
  return Math.round(seconds / 86400) + ' d';
}

async function push() {
  await drawPush();
  refreshTimer = setInterval(() => drawPush().catch(() => {}), 5000);
}

async function drawPush() {
  const data = await api('/push');
  view.innerHTML = `<h2>Push</h2>
    <p class="muted">Per provider, for the whole cluster. Outbox: pushes waiting or being sent. Dead: given up after the last
    attempt (kept for inspection). Pruned: tokens the provider reported dead.</p>
    ${table([
      {title: 'Provider', html: p => `<code>${escape(p.provider)}</code>`},
      {title: 'Tokens', num: true, value: p => p.tokens},
      {title: 'Sent', num: true, value: p => p.sent},
      {title: 'Retried', num: true, value: p => p.retried},
      {title: 'Failed', num: true, html: p => `<span class="${p.failed ? 'bad' : ''}">${p.failed}</span>`},
      {title: 'Pruned', num: true, value: p => p.pruned},
      {title: 'Outbox', num: true, html: p => `<span data-outbox="${escape(p.provider)}">${p.outbox}</span>`},
      {title: 'Dead', num: true, html: p => `<span class="${p.dead ? 'bad' : ''}">${p.dead}</span>`},
      {title: 'Last sent', value: p => ago(p.last_sent_at)},
      {title: 'Last error', html: p => p.last_error ? `${escape(p.last_error)} <span class="muted">${escape(ago(p.last_error_at))}</span>` : '<span class="muted">none</span>'}
    ], data.providers, 'No push provider has been used yet.')}`;
}

async function plugins() {
  const data = await api('/plugins');
  view.innerHTML = `<h2>Plugins</h2>${table([
    {title: 'Plugin', value: p => p.id}, {title: 'State', html: p => `<span class="${p.state === 'running' ? 'ok' : 'bad'}">${escape(p.state)}</span>`},
    {title: 'Source', value: p => p.source},
    {title: 'Serves', html: p => p.services.map(s => `${escape(s.contract)} <code>${escape(s.name)}</code>`).join('<br>')},
    {title: 'Error', value: p => p.error || ''}
  ], data.plugins, 'No plugins.')}`;
}

async function audit() {
  const data = await api('/audit');
  view.innerHTML = `<h2>Audit log</h2>${table([
    {title: 'When', value: e => time(e.at)}, {title: 'Who', value: e => e.actor}, {title: 'What', value: e => e.action},
    {title: 'Target', value: e => e.target || ''}, {title: 'Details', html: e => e.details ? `<code>${escape(JSON.stringify(e.details))}</code>` : ''},
    {title: 'Node', value: e => e.node || ''}
  ], data.entries, 'No admin actions yet.')}`;
}

// ---- routing

async function route() {
  clearInterval(refreshTimer);
  const [path, queryString] = location.hash.replace(/^#/, '').split('?');
  const query = new URLSearchParams(queryString || '');
  if (path === '/signin') {
    return signIn();
  }
  const session = await api('/session');
  if (!session.signed_in) {
    location.hash = '#/signin';
    return;
  }
  nav.hidden = false;
  document.getElementById('sign-out').hidden = false;
  document.getElementById('whoami').textContent = session.username;
  nav.querySelectorAll('a').forEach(a => a.classList.toggle('active', path.startsWith(a.getAttribute('href').slice(1))));
  const [, page, id] = path.split('/');
  try {
    switch (page) {
      case 'users': return await users(query.get('q') || '');
      case 'user': return await user(decodeURIComponent(id));
      case 'conversations': return await conversations(query.get('q') || '');
      case 'conversation': return await conversation(decodeURIComponent(id), query.get('before'));
      case 'health': return await health();
      case 'plugins': return await plugins();
      case 'push': return await push();
      case 'audit': return await audit();
      default: return await overview();
    }
  } catch (error) {
    view.innerHTML = `<p class="error">${escape(error.message)}</p>`;
  }
}

document.getElementById('sign-out').addEventListener('click', async () => {
  await api('/session', {method: 'DELETE'});
  location.hash = '#/signin';
});
window.addEventListener('hashchange', route);
route();
