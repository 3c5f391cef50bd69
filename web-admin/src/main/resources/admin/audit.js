// Audit log: who did what, when, to whom, from which node; actions in words, targets by user and
// device name, details as fields.

import {api} from './api.js';
import {ago, device, escape, fields, table, time, userLink} from './format.js';

const ACTIONS = {
  sign_in: 'Signed in',
  sign_in_failed: 'Failed to sign in',
  sign_out: 'Signed out',
  revoke_device: 'Revoked a device',
  disconnect_device: 'Disconnected a device',
  disconnect_user: "Disconnected a user's devices"
};

function target(entry) {
  if (!entry.target) return '';
  const [user, deviceId] = entry.target.split('/');
  if (deviceId) return `${userLink(user)} · ${device((entry.details || {}).name, deviceId)}`;
  return userLink(user);
}

/** The details as fields; a device's name is already in the target. */
function details(entry) {
  const shown = {...(entry.details || {})};
  if (entry.target && entry.target.includes('/')) delete shown.name;
  return fields(shown);
}

export async function render(view) {
  view.innerHTML = '<h2>Audit log</h2><div id="audit"></div>';
  const draw = async () => {
    const data = await api('/audit');
    document.getElementById('audit').innerHTML = table([
      {title: 'When', html: e => `${time(e.at)} <div class="muted small">${ago(e.at)}</div>`},
      {title: 'Who', value: e => e.actor},
      {title: 'What', html: e => `<span data-action-name="${escape(e.action)}">${escape(ACTIONS[e.action] || e.action)}</span>`},
      {title: 'Target', html: target},
      {title: 'Details', html: details},
      {title: 'Node', html: e => e.node ? `<code>${escape(e.node)}</code>` : ''}
    ], data.entries, 'No admin actions yet.', e => `data-audit="${escape(e.action)}"`);
  };
  await draw();
  return {refresh: draw, every: 5000};
}
