// What an operator can do to devices: disconnect one (it reconnects and resumes), disconnect all of a
// user's, and revoke one (permanent) behind a confirmation that names the device. Buttons carry
// data-action and the ids; bindActions wires every such button in a container.

import {api, segment} from './api.js';
import {escape, id} from './format.js';
import {confirmAction, notify} from './ui.js';

function plural(count, one, many) {
  return `${count} ${count === 1 ? one : many}`;
}

/** The buttons of one device row: Disconnect while it is online, Revoke… unless it is revoked. */
export function deviceButtons(userId, device) {
  if (device.revoked) return '';
  const attributes = `data-user="${escape(userId)}" data-device="${escape(device.device_id)}" data-name="${escape(device.name || 'unnamed device')}"`;
  return `<span class="actions">${device.online ? `<button type="button" data-action="disconnect" ${attributes}
      title="Close its connections; it reconnects and resumes">Disconnect</button>` : ''}`
    + `<button type="button" class="quiet-danger" data-action="revoke" ${attributes}
      title="Sign this device out for good">Revoke…</button></span>`;
}

export function userButton(userId) {
  return `<button type="button" data-action="disconnect-user" data-user="${escape(userId)}"
    title="Close the connections of every device of this user; they reconnect and resume">Disconnect all of ${escape(userId)}'s devices</button>`;
}

async function disconnect(button) {
  const {user, device, name} = button.dataset;
  const done = await api(`/users/${segment(user)}/devices/${segment(device)}/disconnect`, {method: 'POST'});
  notify(`Disconnected ${name} (${plural(done.connections ?? 0, 'connection', 'connections')}); it reconnects and resumes from its cursor.`);
}

async function disconnectUser(button) {
  const done = await api(`/users/${segment(button.dataset.user)}/disconnect`, {method: 'POST'});
  notify(`Disconnected ${plural(done.devices, 'device', 'devices')} of ${button.dataset.user} `
    + `(${plural(done.connections, 'connection', 'connections')}); they reconnect and resume.`);
}

async function revoke(button) {
  const {user, device, name} = button.dataset;
  const confirmed = await confirmAction({
    title: `Revoke ${name}?`,
    bodyHtml: `<p>Device <strong>${escape(name)}</strong> ${id(device)} of user <strong>${escape(user)}</strong> is signed out
      for good: its connections close, its push token and pending pushes are deleted, and it can never connect again.
      The app on it has to register as a new device.</p>
      <p class="muted">To make it reconnect instead, use Disconnect.</p>`,
    confirm: `Revoke ${name}`
  });
  if (!confirmed) return;
  await api(`/users/${segment(user)}/devices/${segment(device)}/revoke`, {method: 'POST'});
  notify(`Revoked ${name}.`, 'warn');
}

const ACTIONS = {disconnect, 'disconnect-user': disconnectUser, revoke};

/** Wires the action buttons inside container; after an action, calls done() (to redraw). */
export function bindActions(container, done) {
  container.querySelectorAll('[data-action]').forEach(button => button.addEventListener('click', async () => {
    button.disabled = true;
    try {
      await ACTIONS[button.dataset.action](button);
      await done();
    } catch (error) {
      notify(error.message, 'error');
    } finally {
      button.disabled = false;
    }
  }));
}
