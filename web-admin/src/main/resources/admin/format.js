// How the console writes values: times with their zone (and relative where that reads better), ids
// cut short with a copy button, devices by name, settings and audit details as fields, and figures
// marked when they are beyond their threshold. Every function answers HTML with its input escaped.

export function escape(value) {
  return String(value ?? '').replace(/[&<>"']/g, c => ({'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;'}[c]));
}

const dateTime = new Intl.DateTimeFormat('en-CA', {year: 'numeric', month: '2-digit', day: '2-digit',
  hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23', timeZoneName: 'short'});
const clock = new Intl.DateTimeFormat('en-GB', {hour: '2-digit', minute: '2-digit', second: '2-digit',
  hourCycle: 'h23', timeZoneName: 'short'});

/** 2025-03-14 09:26:53 GMT+1: the date, the time and the browser's zone. */
export function timeText(ms) {
  if (!ms) return '—';
  const parts = Object.fromEntries(dateTime.formatToParts(new Date(ms)).map(p => [p.type, p.value]));
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}:${parts.second} ${parts.timeZoneName}`;
}

/** 09:26:53 GMT+1 */
export function clockText(ms) {
  return ms ? clock.format(new Date(ms)) : '—';
}

/** An absolute time, with UTC in its tooltip. */
export function time(ms) {
  if (!ms) return '<span class="muted">—</span>';
  const iso = new Date(ms).toISOString();
  return `<time datetime="${iso}" title="${escape(iso.replace('T', ' ').replace(/\.\d+Z$/, ' UTC'))}">${escape(timeText(ms))}</time>`;
}

export function agoText(ms) {
  if (!ms) return '—';
  const seconds = Math.round((Date.now() - ms) / 1000);
  if (seconds < 0) return 'in ' + durationText(-seconds);
  if (seconds < 5) return 'just now';
  return durationText(seconds) + ' ago';
}

/** A relative time ("3 min ago"), with the absolute time and zone in its tooltip. */
export function ago(ms, never = '—') {
  if (!ms) return `<span class="muted">${escape(never)}</span>`;
  return `<time datetime="${new Date(ms).toISOString()}" title="${escape(timeText(ms))}">${escape(agoText(ms))}</time>`;
}

export function durationText(seconds) {
  if (seconds < 90) return Math.round(seconds) + ' s';
  if (seconds < 5400) return Math.round(seconds / 60) + ' min';
  if (seconds < 172800) return Math.round(seconds / 3600) + ' h';
  return Math.round(seconds / 86400) + ' d';
}

export const COPY_ICON = '<svg viewBox="0 0 16 16" width="12" height="12" aria-hidden="true"><rect x="5" y="5" width="9" height="9" rx="1.5"'
  + ' fill="none" stroke="currentColor" stroke-width="1.5"/><path d="M3 11V3.5A1.5 1.5 0 0 1 4.5 2H11" fill="none" stroke="currentColor" stroke-width="1.5"/></svg>';

/** An id shown by its first characters; the whole id is in the tooltip, and the button copies it. */
export function id(value, length = 8) {
  if (value == null || value === '') return '<span class="muted">—</span>';
  const text = String(value);
  const short = text.length > length + 2 ? text.slice(0, length) + '…' : text;
  return `<span class="id"><code title="${escape(text)}" data-id="${escape(text)}">${escape(short)}</code>`
    + `<button type="button" class="copy" data-copy="${escape(text)}" title="Copy ${escape(text)}" aria-label="Copy id">${COPY_ICON}</button></span>`;
}

/** A device by its name, with its id beside it. */
export function device(name, deviceId) {
  return `<span class="device"><span class="name">${escape(name || 'unnamed device')}</span> ${id(deviceId)}</span>`;
}

export function userLink(userId) {
  return `<a href="#/user/${encodeURIComponent(userId)}">${escape(userId)}</a>`;
}

export function conversationLink(conversationId, title) {
  return `<a href="#/conversation/${encodeURIComponent(conversationId)}">${title ? escape(title) + ' ' : ''}</a>${id(conversationId)}`;
}

export function number(value, digits = 0) {
  if (value == null || Number.isNaN(value)) return '—';
  return Number(value).toLocaleString('en-US', {maximumFractionDigits: digits, minimumFractionDigits: 0});
}

export function bytes(value) {
  if (value == null) return '—';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let amount = value;
  let unit = 0;
  while (amount >= 1024 && unit < units.length - 1) {
    amount /= 1024;
    unit++;
  }
  return `${number(amount, amount < 10 && unit > 0 ? 1 : 0)} ${units[unit]}`;
}

/** A figure marked as a warning when above its threshold; data-level says which, for the eye and for tests. */
export function level(text, value, threshold) {
  const beyond = threshold != null && value != null && value > threshold;
  return `<span class="${beyond ? 'warn' : ''}" data-level="${beyond ? 'warning' : 'normal'}"`
    + `${beyond ? ` title="above the threshold of ${escape(threshold)}"` : ''}>${text}</span>`;
}

/** A value of a setting or a detail, in words where there are words for it. */
export function value(v) {
  if (v === true) return 'yes';
  if (v === false) return 'no';
  if (v == null) return '<span class="muted">none</span>';
  if (Array.isArray(v)) return v.length ? v.map(item => typeof item === 'string' && looksLikeId(item) ? id(item) : value(item)).join(', ')
    : '<span class="muted">empty</span>';
  if (typeof v === 'object') return fields(v);
  return escape(v);
}

function looksLikeId(text) {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-/i.test(text);
}

const SETTINGS = [
  [/^conversation\.([^.]+)\.muted$/, 'Muted'],
  [/^conversation\.([^.]+)\.archived$/, 'Archived'],
  [/^conversation\.([^.]+)\.pinned$/, 'Pinned'],
  [/^conversations\.pinned$/, 'Pinned conversations'],
  [/^privacy\.read_receipts$/, 'Send read receipts'],
  [/^notifications\.routing$/, 'Notification routing'],
  [/^notifications\.sound$/, 'Notification sound'],
  [/^profile\.display_name$/, 'Display name'],
  [/^media\.auto_download$/, 'Download media automatically'],
  [/^drafts\.([^.]+)$/, 'Draft']
];

/** A setting's key in words: "Muted · conversation 1a2b3c4d…"; the raw key is in the tooltip. */
export function setting(key) {
  for (const [pattern, label] of SETTINGS) {
    const match = key.match(pattern);
    if (match) {
      const subject = match[1] ? (label === 'Draft' ? ` ${id(match[1])}` : ` · conversation ${conversationLink(match[1])}`) : '';
      return `<span title="${escape(key)}">${escape(label)}</span>${subject}`;
    }
  }
  return `<code>${escape(key)}</code>`;
}

/** Settings overrides {key: value} as one line per setting. */
export function settings(overrides) {
  const entries = Object.entries(overrides || {});
  if (!entries.length) return '<span class="muted">none</span>';
  return `<dl class="fields">${entries.map(([key, v]) => `<dt>${setting(key)}</dt><dd>${value(v)}</dd>`).join('')}</dl>`;
}

/** An object's fields, one per line, names in words. */
export function fields(object) {
  const entries = Object.entries(object || {});
  if (!entries.length) return '';
  return `<dl class="fields">${entries.map(([key, v]) =>
    `<dt>${escape(key.replace(/_/g, ' '))}</dt><dd>${looksLikeId(String(v)) ? id(v) : value(v)}</dd>`).join('')}</dl>`;
}

/** A table from column definitions {title, num?, html(row) | value(row)}. */
export function table(columns, rows, empty = 'Nothing here.', rowAttributes = () => '') {
  if (!rows.length) return `<p class="muted">${escape(empty)}</p>`;
  const head = columns.map(c => `<th class="${c.num ? 'num' : ''}">${escape(c.title)}</th>`).join('');
  const body = rows.map(row => `<tr ${rowAttributes(row)}>` + columns.map(c =>
    `<td class="${c.num ? 'num' : ''}">${c.html ? c.html(row) : escape(c.value(row))}</td>`).join('') + '</tr>').join('');
  return `<table><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`;
}

export function card(label, valueHtml, attributes = '') {
  return `<div class="card" ${attributes}><div class="value">${valueHtml}</div><div class="label">${escape(label)}</div></div>`;
}
