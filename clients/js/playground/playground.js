// The playground: real @lockstep/client instances side by side, each with its own IndexedDB store.
// Tokens come from dev mode's POST /dev/token. window.playground exposes the devices for tests.
import { createClient, indexedDbStore } from './lockstep-client.js';

const DEVICES = [
  { user: 'alice', name: 'phone', platform: 'ios' },
  { user: 'alice', name: 'laptop', platform: 'web' },
  { user: 'alice', name: 'tablet', platform: 'android' },
  { user: 'bob', name: 'laptop', platform: 'web' },
];
const TITLE = 'Playground';

const session = new URLSearchParams(location.search).get('session')
  ?? localStorage.getItem('lockstep-playground-session')
  ?? Math.random().toString(36).slice(2, 8);
localStorage.setItem('lockstep-playground-session', session);
const userId = (user) => `${user}-${session}`;
document.getElementById('session').textContent = session;
document.getElementById('users').textContent = `${userId('alice')}, ${userId('bob')}`;
document.getElementById('new-session').onclick = async () => {
  for (const device of devices.values()) {
    await device.client?.stop();
    await device.store.clear();
  }
  localStorage.removeItem('lockstep-playground-session');
  location.search = '';
};

async function token(user) {
  const response = await fetch('/dev/token', {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ user_id: userId(user) }),
  });
  if (!response.ok) throw new Error(`POST /dev/token answered ${response.status}`);
  return (await response.json()).token;
}

const devices = new Map();
window.playground = { devices, session, userId, conversationId: () => conversationId };
let conversationId = null;

function start(device) {
  // four devices share this one page, so the page's focus is none of theirs: they declare no attention
  const client = createClient({
    url: location.origin, store: device.store, getToken: () => token(device.user),
    deviceName: `${device.user}'s ${device.name}`, platform: device.platform, attention: { auto: false },
  });
  device.client = client;
  client.onChange(() => render(device));
  client.on('state', () => render(device));
  client.on('error', (error) => showError(device, `${error.code}: ${error.message}`));
  client.on('divergence', (report) => showError(device, `state repaired from the server at seq ${report.seq}: `
    + `${report.conversations.length} read states, ${report.settings.length} settings differed`));
  const started = client.start().then(() => render(device));
  started.catch((error) => showError(device, String(error.message ?? error)));
  return started;
}

function findConversation(client) {
  return client.conversations().find((conversation) => conversation.title === TITLE);
}

async function ensureConversation(phone) {
  const existing = findConversation(phone.client);
  const conversation = existing ?? await phone.client.createConversation({ kind: 'group', members: [userId('bob')], title: TITLE });
  conversationId = conversation.id;
}

function render(device) {
  const card = device.card;
  const client = device.client;
  const field = (name) => card.querySelector(`[data-field="${name}"]`);
  const state = client ? client.state : 'stopped';
  field('state').textContent = client ? state : 'killed';
  field('state').dataset.state = state;
  if (!client) return;
  field('device-id').textContent = client.deviceId ? client.deviceId.slice(0, 8) : '–';
  field('device-id').title = client.deviceId ?? '';
  const head = Math.max(...[...devices.values()].filter((other) => other.user === device.user && other.client)
    .map((other) => other.client.head));
  field('cursor').textContent = String(client.cursor);
  field('head').textContent = String(head);
  field('badge').textContent = String(client.badge());
  field('pending').textContent = String(client.pending().length);
  const id = conversationId ?? findConversation(client)?.id;
  field('muted').textContent = id ? String(client.settings.get(`conversation.${id}.muted`) ?? false) : '–';
  field('sound').textContent = String(client.settings.get('notifications.sound') ?? 'default');
  const conversation = id && client.conversations().find((c) => c.id === id);
  const list = field('messages');
  list.replaceChildren(...(conversation ? conversation.lastMessages : []).map((message) => {
    const item = document.createElement('li');
    item.dataset.state = message.state;
    item.textContent = `${message.sender.userId.replace(`-${session}`, '')}: ${message.body.text ?? JSON.stringify(message.body)}`
      + (message.state === 'sent' ? '' : ` (${message.state})`);
    return item;
  }));
  list.scrollTop = list.scrollHeight;
  for (const other of devices.values()) if (other !== device && other.user === device.user && other.client) renderHead(other, head);
}

function renderHead(device, head) {
  device.card.querySelector('[data-field="head"]').textContent = String(head);
}

function showError(device, text) {
  device.card.querySelector('[data-field="error"]').textContent = text;
}

async function act(device, action) {
  const client = device.client;
  const id = conversationId;
  showError(device, '');
  switch (action) {
    case 'read': return client?.read(id);
    case 'offline': return client?.disconnect();
    case 'online': return client?.connect();
    case 'kill':
      await client?.stop();
      device.client = null;
      return render(device);
    case 'restart':
      if (!device.client) return start(device);
      return undefined;
    case 'revoke': return client?.devices.revoke(client.deviceId);
    case 'mute-account': return client?.settings.set(`conversation.${id}.muted`, true, { scope: 'account' });
    case 'mute-device': return client?.settings.set(`conversation.${id}.muted`, false, { scope: 'device' });
    case 'unmute': return client?.settings.set(`conversation.${id}.muted`, false, { scope: 'account' });
    case 'sound': return client?.settings.set('notifications.sound', 'chime', { scope: 'device' });
    default: return undefined;
  }
}

const template = document.getElementById('device-card');
for (const spec of DEVICES) {
  const card = template.content.firstElementChild.cloneNode(true);
  const key = `${spec.user}-${spec.name}`;
  card.dataset.device = key;
  card.querySelector('[data-field="title"]').textContent = `${spec.user} · ${spec.name}`;
  document.getElementById('devices').append(card);
  const device = { ...spec, key, card, client: null, store: indexedDbStore(`playground-${session}-${key}`) };
  devices.set(key, device);
  card.querySelector('form').onsubmit = (event) => {
    event.preventDefault();
    const input = card.querySelector('[data-field="input"]');
    if (!input.value || !device.client || !conversationId) return;
    device.client.send(conversationId, { text: input.value }).sent.catch((error) => showError(device, error.message));
    input.value = '';
  };
  card.querySelectorAll('.buttons button').forEach((button) => {
    button.onclick = () => Promise.resolve(act(device, button.dataset.action)).catch((error) => showError(device, error.message));
  });
}

const phone = devices.get('alice-phone');
await start(phone);
await ensureConversation(phone);
await Promise.all([...devices.values()].filter((device) => device !== phone).map(start));
document.body.dataset.ready = 'true';
for (const device of devices.values()) render(device);
