// Conversations: search by id or title, then members with their read and delivered positions, and the
// log page by page, senders by name and device.

import {api, segment} from './api.js';
import {ago, device, escape, fields, id, number, table, time, userLink} from './format.js';

async function search(view, query) {
  view.innerHTML = `<h2>Conversations</h2><form class="inline" id="conversation-search">
      <input id="conversation-query" placeholder="id starts with, or title contains…" value="${escape(query)}" aria-label="conversation">
      <button>Search</button></form><div id="conversation-results"></div>`;
  document.getElementById('conversation-search').addEventListener('submit', event => {
    event.preventDefault();
    location.hash = '#/conversations?q=' + encodeURIComponent(document.getElementById('conversation-query').value);
  });
  const draw = async () => {
    const data = await api('/conversations?q=' + encodeURIComponent(query));
    document.getElementById('conversation-results').innerHTML = table([
      {title: 'Conversation', html: c => `<a href="#/conversation/${encodeURIComponent(c.conversation_id)}">${escape(c.title || 'untitled')}</a> ${id(c.conversation_id)}`},
      {title: 'Kind', value: c => c.kind + (c.stream ? ' (stream)' : '')},
      {title: 'Members', num: true, value: c => number(c.members)},
      {title: 'Head', num: true, value: c => number(c.head)}
    ], data.conversations, 'No conversation matches.');
  };
  await draw();
  return {refresh: draw, every: 10000};
}

function body(message) {
  const {text, ...rest} = message.body || {};
  return `${text != null ? escape(text) : ''}${Object.keys(rest).length ? fields(rest) : ''}`;
}

async function detail(view, conversationId, before) {
  const draw = async () => {
    const c = await api(`/conversations/${segment(conversationId)}?limit=50${before ? '&before=' + encodeURIComponent(before) : ''}`);
    const oldest = c.messages.length ? c.messages[c.messages.length - 1].conv_seq : 0;
    view.innerHTML = `<h2>${escape(c.title || 'Untitled conversation')} ${id(c.conversation_id)}</h2>
      <p>${escape(c.kind)}${c.stream ? ' (stream)' : ''} · head ${number(c.head)} · ${number(c.member_count)} members</p>
      <h3>Members${c.member_count > c.members.length ? ` (the first ${c.members.length})` : ''}</h3>${table([
        {title: 'User', html: m => userLink(m.user_id)},
        {title: 'Read up to', num: true, value: m => number(m.read_up_to)},
        {title: 'Delivered up to', num: true, value: m => number(m.delivered_up_to)},
        {title: 'Unread', num: true, value: m => number(m.unread) + (m.marked_unread ? ' (marked)' : '')},
        {title: 'Joined', html: m => time(m.joined)}
      ], c.members)}
      <h3>Log</h3>${table([
        {title: 'conv_seq', num: true, value: m => m.conv_seq},
        {title: 'Sender', html: m => userLink(m.sender_user)},
        {title: 'Device', html: m => device(m.sender_device_name, m.sender_device)},
        {title: 'Message', html: body},
        {title: 'client_msg_id', html: m => id(m.client_msg_id, 12)},
        {title: 'At', html: m => `${time(m.ts)} <div class="muted small">${ago(m.ts)}</div>`}
      ], c.messages, 'No messages.')}
      ${oldest > 1 ? `<p><a href="#/conversation/${encodeURIComponent(conversationId)}?before=${oldest}">Older messages →</a></p>` : ''}`;
  };
  await draw();
  return before ? null : {refresh: draw, every: 5000};
}

export async function render(view, {page, id: conversationId, query}) {
  return page === 'conversation' ? detail(view, conversationId, query.get('before')) : search(view, query.get('q') || '');
}
