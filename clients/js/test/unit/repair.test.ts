import assert from 'node:assert/strict';
import { test } from 'node:test';
import { memoryStore } from '../../src/store_memory.js';
import type { SyncState } from '../../src/sync_state.js';
import type { Divergence } from '../../src/types.js';
import type { LockstepError } from '../../src/errors.js';
import { readItem, referenceDigest, settingItem } from '../support/digest.js';
import { fakeClient, liveFakeClient } from '../support/fake_client.js';
import { conversationSnapshot, type FakeSocket } from '../support/fake_server.js';

const readState = (seq: number, conversationId: string, readUpTo: number, digest: string) => ({
  type: 'event', seq, kind: 'read_state', ts: 1_700_000_000_000 + seq,
  data: { conversation_id: conversationId, read_up_to: readUpTo, unread: 0, marked_unread: false, total_unread: 1, state_digest: digest },
});

const settingsEvent = (seq: number, key: string, version: number, digest: string) => ({
  type: 'event', seq, kind: 'settings', ts: 1_700_000_000_000 + seq,
  data: { key, value: true, version, hlc: 117702546948669441n, device_id: 'other', server_hlc: 117702546948669500n, shadowed_on: [], state_digest: digest },
});

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const repairs = (socket: FakeSocket) => socket.sent.filter((frame) => frame.type === 'repair');

/**
 * A device whose server state is c1 read up to 2 and c2 unread (head 5), restarted after its stored
 * read cursor of c1 was set back to 1 behind the SDK's back.
 */
async function corruptedClient() {
  const store = memoryStore();
  const first = fakeClient({ store });
  const started = first.client.start();
  const firstSocket = await first.server.socket(1);
  await firstSocket.greet({
    head: 5,
    snapshot: { conversations: [conversationSnapshot('c1', 3, 2), conversationSnapshot('c2', 3, 0)], total_unread: 4, state_digest: referenceDigest([readItem('c1', 2)]) },
  });
  firstSocket.push({ type: 'synced', head: 5 });
  await started;
  await pause(50);
  assert.equal(repairs(firstSocket).length, 0, 'the snapshot matched its digest');
  await first.client.stop();

  const stored = (await store.get<SyncState>('sync'))!;
  stored.conversations.c1.readUpTo = 1;
  await store.set('sync', stored);

  const second = fakeClient({ store });
  const divergences: Divergence[] = [];
  const errors: LockstepError[] = [];
  second.client.on('divergence', (report) => divergences.push(report));
  second.client.on('error', (error) => errors.push(error));
  const restarted = second.client.start();
  const socket = await second.server.socket(1);
  await socket.greet({ head: 5 });
  socket.push({ type: 'synced', head: 5 });
  await restarted;
  return { ...second, socket, divergences, errors };
}

/** The server's state after c2 was read up to 3 on another device (seq 6). */
const serverDigest = referenceDigest([readItem('c1', 2), readItem('c2', 3)]);
const serverState = (id: unknown, digest = serverDigest) => ({
  type: 'state', id, seq: 6, state_digest: digest, total_unread: 1, diverged: true, settings: {},
  conversations: [{ conversation_id: 'c1', read_up_to: 2, marked_unread: false, unread: 1 }, { conversation_id: 'c2', read_up_to: 3, marked_unread: false, unread: 0 }],
});

test('a corrupted read cursor is found at the next stamped event, repaired from the server\'s state and reported', async () => {
  const { client, server, socket, store, divergences } = await corruptedClient();
  socket.push(readState(6, 'c2', 3, serverDigest));
  const repair = await socket.frame((frame) => frame.type === 'repair', 'a repair');
  assert.equal(repair.digest, referenceDigest([readItem('c1', 1), readItem('c2', 3)]), 'the repair carries the local digest');
  assert.equal(client.conversations().find((c) => c.id === 'c1')!.readUpTo, 1);

  socket.push(serverState(repair.id));
  await server.until(() => divergences.length === 1, 'the divergence event');
  assert.deepEqual(divergences[0], {
    seq: 6, diverged: true, repaired: true, settings: [],
    conversations: [{ conversationId: 'c1', local: { readUpTo: 1, markedUnread: false }, server: { readUpTo: 2, markedUnread: false } }],
  });
  const c1 = client.conversations().find((c) => c.id === 'c1')!;
  assert.deepEqual([c1.readUpTo, c1.unread, client.badge()], [2, 1, 1]);
  await pause(20);
  assert.equal((await store.get<SyncState>('sync'))!.conversations.c1.readUpTo, 2, 'the repaired state is stored');

  socket.push(readState(7, 'c1', 3, referenceDigest([readItem('c1', 3), readItem('c2', 3)])));
  await server.until(() => client.cursor === 7, 'the next event');
  await pause(50);
  assert.equal(repairs(socket).length, 1, 'matching again: no further repair');
  await client.stop();
});

test('at most one repair is in flight, however many stamped events disagree meanwhile', async () => {
  const { client, server, socket, divergences } = await corruptedClient();
  socket.push(readState(6, 'c2', 3, serverDigest));
  const repair = await socket.frame((frame) => frame.type === 'repair', 'a repair');
  socket.push(settingsEvent(7, 'profile.display_name', 1, referenceDigest([readItem('c1', 2), readItem('c2', 3), settingItem('profile.display_name', 1)])));
  await server.until(() => client.cursor === 7, 'the settings event');
  await pause(50);
  assert.equal(repairs(socket).length, 1);
  const answer = serverState(repair.id, referenceDigest([readItem('c1', 2), readItem('c2', 3), settingItem('profile.display_name', 1)]));
  socket.push({ ...answer, seq: 7, settings: { 'profile.display_name': { value: true, version: 1, hlc: 117702546948669441n, device_id: 'other' } } });
  await server.until(() => divergences.length === 1, 'the divergence event');
  assert.equal(divergences[0].repaired, true);
  assert.deepEqual(divergences[0].settings, [], 'the settings event had already brought the version');
  await client.stop();
});

test('a repair that does not converge is an error, and repairs pause', async () => {
  const { client, server, socket, divergences, errors } = await corruptedClient();
  socket.push(readState(6, 'c2', 3, serverDigest));
  const repair = await socket.frame((frame) => frame.type === 'repair', 'a repair');
  socket.push(serverState(repair.id, referenceDigest([readItem('c1', 9)])));
  await server.until(() => errors.some((error) => error.code === 'state_diverged'), 'the state_diverged error');
  assert.equal(divergences[0].repaired, false);
  socket.push(readState(7, 'c1', 3, referenceDigest([readItem('c1', 4)])));
  await server.until(() => client.cursor === 7, 'the next event');
  await pause(50);
  assert.equal(repairs(socket).length, 1, 'no second repair while paused');
  await client.stop();
});

test('a refused repair is reported and pauses repairs', async () => {
  const { client, server, socket, errors } = await corruptedClient();
  socket.push(readState(6, 'c2', 3, serverDigest));
  const repair = await socket.frame((frame) => frame.type === 'repair', 'a repair');
  socket.push({ type: 'error', id: repair.id, code: 'invalid_field', message: 'digest must be 16 hex digits' });
  await server.until(() => errors.some((error) => error.code === 'invalid_field'), 'the error');
  socket.push(readState(7, 'c1', 3, referenceDigest([readItem('c1', 4)])));
  await server.until(() => client.cursor === 7, 'the next event');
  await pause(50);
  assert.equal(repairs(socket).length, 1);
  await client.stop();
});

test('a read made on this device and not yet in the log is no divergence', async () => {
  const { client, server, socket } = await liveFakeClient();
  socket.push({ type: 'snapshot', head: 0, conversations: [conversationSnapshot('c1', 3, 0)], total_unread: 3, settings: { account: {}, device: {}, effective: {} }, state_digest: referenceDigest([]) });
  const divergences: Divergence[] = [];
  client.on('divergence', (report) => divergences.push(report));
  void client.read('c1');
  const read = await socket.frame((frame) => frame.type === 'read', 'the read');
  assert.equal(client.unread('c1'), 0, 'read locally at once');
  socket.push(settingsEvent(1, 'profile.display_name', 1, referenceDigest([settingItem('profile.display_name', 1)])));
  await server.until(() => client.cursor === 1, 'the settings event');
  socket.push({ type: 'result', id: read.id, conversation_id: 'c1', read_up_to: 3, unread: 0, marked_unread: false, total_unread: 0 });
  socket.push(readState(2, 'c1', 3, referenceDigest([settingItem('profile.display_name', 1), readItem('c1', 3)])));
  await server.until(() => client.cursor === 2, 'the read_state');
  await pause(50);
  assert.equal(repairs(socket).length, 0);
  assert.equal(divergences.length, 0);
  await client.stop();
});

test('a settings reply that arrives before its event is no divergence', async () => {
  const { client, server, socket } = await liveFakeClient();
  const written = client.settings.set('conversation.c9.muted', true);
  const frame = await socket.frame((f) => f.type === 'settings.set', 'the settings write');
  socket.push({ type: 'result', id: frame.id, scope: 'account', key: 'conversation.c9.muted', value: true, version: 1, hlc: frame.hlc, device_id: 'dev-1', changed: true, shadowed_on: [], server_hlc: frame.hlc });
  await written;
  socket.push(settingsEvent(1, 'profile.display_name', 1, referenceDigest([settingItem('profile.display_name', 1)])));
  socket.push(settingsEvent(2, 'conversation.c9.muted', 1, referenceDigest([settingItem('profile.display_name', 1), settingItem('conversation.c9.muted', 1)])));
  await server.until(() => client.cursor === 2, 'both settings events');
  await pause(50);
  assert.equal(repairs(socket).length, 0);
  await client.stop();
});

test('without WebCrypto digests are not checked, and the client says so once', async () => {
  const { client, server, socket } = await liveFakeClient();
  const errors: LockstepError[] = [];
  client.on('error', (error) => errors.push(error));
  const webCrypto = Object.getOwnPropertyDescriptor(globalThis, 'crypto')!;
  Object.defineProperty(globalThis, 'crypto', { value: undefined, configurable: true });
  try {
    socket.push(settingsEvent(1, 'profile.display_name', 1, referenceDigest([readItem('c1', 9)])));
    socket.push(settingsEvent(2, 'profile.display_name', 2, referenceDigest([readItem('c1', 9)])));
    await server.until(() => client.cursor === 2, 'both events');
    await pause(50);
  } finally {
    Object.defineProperty(globalThis, 'crypto', webCrypto);
  }
  assert.deepEqual(errors.map((error) => error.code), ['digest_unavailable']);
  assert.equal(repairs(socket).length, 0);
  await client.stop();
});
