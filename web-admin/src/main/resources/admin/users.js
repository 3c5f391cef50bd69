// Users: search by id, then one user's account state, devices (with their actions), conversations
// and account settings, all in words: device names beside ids, settings as fields, relative times.

import {api, segment} from './api.js';
import {ago, card, conversationLink, device, durationText, escape, level, number, setting, settings, table, time, timeText,
  userLink, value} from './format.js';
import {bindActions, deviceButtons, userButton} from './actions.js';

async function search(view, query) {
  view.innerHTML = `<h2>Users</h2><form class="inline" id="user-search">
      <input id="user-query" placeholder="user id starts with…" value="${escape(query)}" aria-label="user id">
      <button>Search</button></form><div id="user-results"></div>`;
  document.getElementById('user-search').addEventListener('submit', event => {
    event.preventDefault();
    location.hash = '#/users?q=' + encodeURIComponent(document.getElementById('user-query').value);
  });
  const draw = async () => {
    const data = await api('/users?q=' + encodeURIComponent(query));
    document.getElementById('user-results').innerHTML = table([
      {title: 'User', html: u => userLink(u.user_id)},
      {title: 'Devices', num: true, value: u => u.devices},
      {title: 'Log head', num: true, value: u => u.head},
      {title: 'Retention floor', num: true, value: u => u.floor},
      {title: 'Since', html: u => time(u.created)}
    ], data.users, 'No user matches.');
  };
  await draw();
  return {refresh: draw, every: 10000};
}

function onlineCell(d) {
  if (d.revoked) return '<span class="muted">revoked</span>';
  if (d.online == null) return '<span class="muted" title="Redis did not answer">unknown</span>';
  if (!d.online) return '<span class="muted" data-online="false">offline</span>';
  const p = d.presence || {};
  const sockets = p.connections > 1 ? ` · ${p.connections} sockets` : '';
  return `<span class="ok" data-online="true" title="${escape(p.since ? 'connected since ' + timeText(p.since) : '')}">online</span>`
    + ` <span class="muted nowrap">${escape(p.node)}${sockets}</span>`;
}

function devicesTable(u) {
  const names = Object.fromEntries(u.devices.map(d => [d.device_id, d.name]));
  const lagLimit = u.thresholds.device_lag;
  return {names, html: table([
    {title: 'Device', html: d => `${device(d.name, d.device_id)}${d.platform ? `<div class="muted small">${escape(d.platform)}</div>` : ''}`},
    {title: 'Online', html: onlineCell},
    {title: 'Cursor', num: true, value: d => number(d.cursor)},
    {title: 'Lag', num: true, html: d => d.behind_retention
      ? `<span class="bad" data-lag="${d.lag}" data-level="warning">${number(d.lag)} (behind retention)</span>`
      : `<span data-lag="${d.lag}">${level(number(d.lag), d.revoked ? null : d.lag, lagLimit)}</span>`},
    {title: 'Last seen', html: d => ago(d.last_seen)},
    {title: 'Last ack', html: d => ago(d.last_ack_at, 'never')},
    {title: 'Attention', html: d => d.attention ? `<span data-attention="${escape(d.attention)}">${escape(d.attention)}</span> ${ago(d.attention_at)}`
      : '<span class="muted">never said</span>'},
    {title: 'Push', html: d => d.push ? `${escape(d.push.provider)} <span class="muted">token ${escape(durationText(d.push.token_age_seconds))} old</span>`
      : '<span class="muted">none</span>'},
    {title: 'Retries caught', num: true, value: d => number(d.duplicate_sends)},
    {title: 'Divergences', num: true, html: d => d.divergences ? `<span class="bad">${number(d.divergences)}</span> ${ago(d.last_divergence_at)}` : '0'},
    {title: 'Drain', html: d => d.drain_up_to != null ? `unlink at ${number(d.drain_up_to)} <span class="muted">(deadline ${time(d.drain_deadline)})</span>` : ''},
    {title: 'Overrides', html: d => settings(d.overrides)},
    {title: '', html: d => deviceButtons(u.user_id, d)}
  ], u.devices, 'No devices.', d => `data-device-row="${escape(d.device_id)}"${d.revoked ? ' class="revoked"' : ''}`)};
}

async function detail(view, userId) {
  const draw = async () => {
    const u = await api('/users/' + segment(userId));
    const {names, html} = devicesTable(u);
    view.innerHTML = `<div class="title-row"><h2>User ${escape(u.user_id)}</h2><div>${userButton(u.user_id)}</div></div>
      <div class="cards">
        ${card('Log head', number(u.head))}${card('Retention floor', number(u.floor))}
        ${card('Devices', number(u.devices.filter(d => !d.revoked).length))}
        ${card('Online', number(u.devices.filter(d => d.online).length))}
        ${card('Unread (badge)', number(u.total_unread))}
      </div>
      <h3>Devices</h3><div id="devices">${html}</div>
      <h3>Conversations</h3><div id="conversations">${table([
        {title: 'Conversation', html: c => conversationLink(c.conversation_id, c.title)},
        {title: 'Kind', value: c => c.kind},
        {title: 'Head', num: true, value: c => number(c.head)},
        {title: 'Read up to', num: true, value: c => number(c.read_up_to)},
        {title: 'Unread', num: true, value: c => number(c.unread) + (c.marked_unread ? ' (marked)' : '')}
      ], u.conversations, 'No conversations.')}</div>
      <h3>Account settings</h3><div id="settings">${table([
        {title: 'Setting', html: ([key]) => setting(key)},
        {title: 'Value', html: ([, s]) => value(s.value)},
        {title: 'Version', num: true, value: ([, s]) => s.version},
        {title: 'Written by', html: ([, s]) => s.device_id ? device(names[s.device_id] || 'a device', s.device_id) : 'server API'}
      ], Object.entries(u.settings || {}), 'Nothing set: every key has its default.')}</div>`;
    bindActions(view, draw);
  };
  await draw();
  return {refresh: draw, every: 5000};
}

export async function render(view, {page, id: userId, query}) {
  return page === 'user' ? detail(view, userId) : search(view, query.get('q') || '');
}
