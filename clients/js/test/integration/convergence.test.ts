import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { DigestHasher, digestItems } from '../../src/state_digest.js';
import { memoryStore } from '../../src/store_memory.js';
import type { SyncState } from '../../src/sync_state.js';
import type { Divergence, SyncEvent } from '../../src/types.js';
import { createGroup, eventually, newUser, serverApi } from '../support/env.js';
import { device, serverConversations, stopAll } from '../support/real_clients.js';

after(stopAll);

/** The digest of a device's stored state, as the SDK computes it. */
async function storedDigest(store: ReturnType<typeof memoryStore>): Promise<string> {
  return new DigestHasher().digest(digestItems((await store.get<SyncState>('sync'))!));
}

test('a read cursor and a setting version corrupted in the store are found at the next stamped event and repaired from the server', async () => {
  const [alice, bob] = [newUser('alice'), newUser('bob')];
  const [first, second] = [await createGroup([alice, bob], 'first'), await createGroup([alice, bob], 'second')];
  const bobs = device(bob);
  const phone = device(alice);
  const store = memoryStore();
  const laptop = device(alice, { store });
  await Promise.all([bobs.start(), phone.start(), laptop.start()]);
  for (const conversation of [first, first, first, second]) await bobs.send(conversation, { text: 'hi' }).sent;
  await laptop.synced();
  await laptop.read(first, 2);
  await phone.settings.set('profile.display_name', 'Alice');
  await laptop.synced();
  await laptop.stop();

  const stored = (await store.get<SyncState>('sync'))!;
  assert.equal(stored.conversations[first].readUpTo, 2);
  assert.equal(stored.settings.account['profile.display_name'].version, 1);
  stored.conversations[first].readUpTo = 1;
  stored.settings.account['profile.display_name'].version = 5;
  await store.set('sync', stored);

  const restarted = device(alice, { store });
  const divergences: Divergence[] = [];
  const stamped: SyncEvent[] = [];
  restarted.on('divergence', (report) => divergences.push(report));
  restarted.on('event', (event) => event.data.state_digest && stamped.push(event));
  await restarted.start();
  await phone.read(second);
  await eventually(() => divergences.length > 0, 'the divergence is reported');

  assert.equal(stamped.length, 1, 'one stamped event: the read on the phone');
  assert.equal(divergences[0].seq, stamped[0].seq, 'repaired in place of that one event');
  assert.deepEqual(divergences[0], {
    seq: stamped[0].seq, diverged: true, repaired: true,
    conversations: [{ conversationId: first, local: { readUpTo: 1, markedUnread: false }, server: { readUpTo: 2, markedUnread: false } }],
    settings: [{ key: 'profile.display_name', local: 5, server: 1 }],
  });
  const server = await serverConversations(alice);
  for (const wire of server.conversations) {
    const local = restarted.conversations().find((c) => c.id === wire.conversation_id)!;
    assert.deepEqual([local.readUpTo, local.unread, local.markedUnread], [wire.read_up_to, wire.unread, wire.marked_unread]);
  }
  assert.equal(restarted.badge(), server.total_unread);
  await restarted.synced();
  assert.equal(await storedDigest(store), stamped[0].data.state_digest, 'the stored state has the server\'s digest');
  assert.equal((await store.get<SyncState>('sync'))!.settings.account['profile.display_name'].version, 1);
});

test('a busy account stays converged: reads, own messages, settings, joins, leaves and a conversion to a stream, no repair', async () => {
  const [alice, bob, carol] = [newUser('alice'), newUser('bob'), newUser('carol')];
  const store = memoryStore();
  const laptop = device(alice, { store });
  const phone = device(alice);
  const bobs = device(bob);
  const divergences: Divergence[] = [];
  const stamps: string[] = [];
  const errors: string[] = [];
  laptop.on('divergence', (report) => divergences.push(report));
  laptop.on('event', (event) => event.data.state_digest && stamps.push(event.data.state_digest));
  laptop.on('error', (error) => errors.push(error.code));
  await Promise.all([laptop.start(), phone.start(), bobs.start()]);

  const pair = await createGroup([alice, bob], 'pair');
  const joined = await createGroup([bob], 'joined later');
  const one = await bobs.send(pair, { text: 'one' }).sent;
  await bobs.send(joined, { text: 'before alice' }).sent;
  await phone.read(pair, one.convSeq);
  await phone.send(pair, { text: 'mine, from the phone' }).sent;
  await bobs.send(pair, { text: 'two' }).sent;
  await phone.synced();
  await phone.markUnread(pair);
  await laptop.send(pair, { text: 'mine, from the laptop' }).sent;
  await phone.settings.set(`conversation.${pair}.muted`, true);
  await serverApi('PUT', `/v1/server/users/${alice}/settings/profile.display_name`, { value: 'Alice' });
  await serverApi('POST', `/v1/server/conversations/${joined}/members/${alice}`);
  const afterJoining = await bobs.send(joined, { text: 'after alice' }).sent;
  await laptop.settings.set('privacy.read_receipts', false);
  await phone.read(joined, afterJoining.convSeq);
  const direct = await phone.createConversation({ kind: 'direct', members: [bob] });
  const dm = await bobs.send(direct.id, { text: 'dm' }).sent;
  await laptop.read(direct.id, dm.convSeq);
  await serverApi('DELETE', `/v1/server/conversations/${joined}/members/${alice}`);
  await serverApi('POST', `/v1/server/conversations/${pair}/members/${carol}`);
  const inStream = await bobs.send(pair, { text: 'in the stream' }).sent;
  await phone.read(pair, inStream.convSeq);
  await phone.settings.set('conversation.x.archived', true);
  await laptop.synced();
  await eventually(async () => (await storedDigest(store)) === stamps[stamps.length - 1], 'the stored state has the last stamp');

  assert.equal(stamps.length, 9, 'four reads, a mark and four settings writes, each stamped');
  assert.equal(laptop.conversations().find((c) => c.id === pair)!.stream, true, 'the pair became a stream');
  assert.deepEqual(divergences, []);
  assert.deepEqual(errors, []);

  const newcomer = device(alice);
  const newcomerDivergences: Divergence[] = [];
  newcomer.on('divergence', (report) => newcomerDivergences.push(report));
  await newcomer.start();
  await phone.markUnread(direct.id);
  await newcomer.synced();
  await new Promise((resolve) => setTimeout(resolve, 200));
  assert.deepEqual(newcomerDivergences, [], 'a new device\'s snapshot and the next event match');
});
