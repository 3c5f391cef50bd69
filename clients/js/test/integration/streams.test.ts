import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import type { LockstepClient } from '../../src/client.js';
import { memoryStore } from '../../src/store_memory.js';
import { createGroup, eventually, newUser } from '../support/env.js';
import { device, serverConversations, stopAll, welcomeOf } from '../support/real_clients.js';

// The test server runs with conversations.stream_threshold 2 (scripts/test.mjs): a group of three is a stream.

after(stopAll);

const texts = (client: LockstepClient, id: string) => client.conversations().find((c) => c.id === id)?.lastMessages.map((m) => m.body.text) ?? [];
const convSeqs = (client: LockstepClient, id: string) => client.conversations().find((c) => c.id === id)?.lastMessages.map((m) => m.convSeq) ?? [];
const upTo = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

test('a stream: every message arrives once on every device, live and after an offline catch-up, with exact unread counts', async () => {
  const [alice, bob, carol] = [newUser('alice'), newUser('bob'), newUser('carol')];
  const stream = await createGroup([alice, bob, carol], 'big room');
  const laptopStore = memoryStore();
  const alicePhone = device(alice, { deviceName: 'phone' });
  const aliceLaptop = device(alice, { deviceName: 'laptop', store: laptopStore });
  const bobPhone = device(bob, { deviceName: 'phone' });
  const bobLaptop = device(bob, { deviceName: 'laptop' });
  const errors: string[] = [];
  for (const client of [alicePhone, aliceLaptop, bobPhone, bobLaptop]) client.on('error', (error) => errors.push(`${error.code}: ${error.message}`));
  await Promise.all([alicePhone.start(), aliceLaptop.start(), bobPhone.start(), bobLaptop.start()]);
  const room = alicePhone.conversations().find((c) => c.id === stream)!;
  assert.deepEqual([room.stream, room.memberCount, room.members], [true, 3, []]);

  for (const text of ['b1', 'b2', 'b3']) {
    const sent = await bobPhone.send(stream, { text }).sent;
    assert.equal(sent.seq, 0, 'a stream message has no place in the user log');
  }
  for (const client of [alicePhone, aliceLaptop, bobPhone, bobLaptop]) {
    await eventually(() => texts(client, stream).length === 3, `three messages on ${client.deviceId}`);
  }
  assert.deepEqual(texts(aliceLaptop, stream), ['b1', 'b2', 'b3']);
  assert.deepEqual(texts(bobPhone, stream), ['b1', 'b2', 'b3'], 'the sender sees its own messages once');
  await eventually(() => alicePhone.unread(stream) === 3 && aliceLaptop.unread(stream) === 3, 'three unread on both of alice\'s devices');
  assert.equal(bobLaptop.unread(stream), 0, 'own messages are never unread');
  assert.equal((await serverConversations(alice)).total_unread, 3);

  aliceLaptop.disconnect();
  await alicePhone.send(stream, { text: 'a1' }).sent;
  await bobLaptop.send(stream, { text: 'b4' }).sent;
  await bobPhone.send(stream, { text: 'b5' }).sent;
  aliceLaptop.connect();
  await eventually(() => texts(aliceLaptop, stream).length === 6, 'the laptop catches up');
  await eventually(() => texts(alicePhone, stream).length === 6, 'the phone has all six');
  for (const client of [alicePhone, aliceLaptop]) {
    assert.deepEqual(texts(client, stream), ['b1', 'b2', 'b3', 'a1', 'b4', 'b5']);
    assert.deepEqual(convSeqs(client, stream), upTo(6));
    assert.equal(client.unread(stream), 2, 'after her own message, two of bob\'s');
  }
  assert.equal(aliceLaptop.pending().length, 0);
  assert.equal((await serverConversations(alice)).total_unread, 2);

  await aliceLaptop.stop();
  await bobPhone.send(stream, { text: 'b6' }).sent;
  const laptopAgain = device(alice, { deviceName: 'laptop', store: laptopStore });
  laptopAgain.on('error', (error) => errors.push(`${error.code}: ${error.message}`));
  await laptopAgain.start();
  assert.equal(laptopAgain.deviceId, aliceLaptop.deviceId, 'the same device, from its store');
  await eventually(() => texts(laptopAgain, stream).length === 7, 'the restarted laptop catches up');
  assert.deepEqual(convSeqs(laptopAgain, stream), upTo(7), 'nothing twice after a restart on the same store');
  assert.equal(laptopAgain.unread(stream), 3);
  assert.equal((await serverConversations(alice)).total_unread, 3);
  const positionOnServer = async () => (await welcomeOf(alice, laptopAgain.deviceId!)).streams.find((s: Record<string, any>) => s.conversation_id === stream)?.position;
  await eventually(async () => (await positionOnServer()) === 7, 'the laptop\'s stream ack reached the server');

  await laptopAgain.read(stream);
  await eventually(() => alicePhone.unread(stream) === 0, 'a read on the laptop clears the phone');
  assert.equal((await serverConversations(alice)).total_unread, 0);

  const first = await alicePhone.members(stream, { limit: 2 });
  const rest = await alicePhone.members(stream, { after: first.members.at(-1) });
  assert.deepEqual([first.hasMore, rest.hasMore, first.memberCount], [true, false, 3]);
  assert.deepEqual([...first.members, ...rest.members], [alice, bob, carol].sort());
  assert.deepEqual(errors, [], 'no frame of the SDK was refused (acks included)');
});

test('a group that grows past the threshold converts: nothing lost or repeated across the switch', async () => {
  const [alice, bob, carol] = [newUser('alice'), newUser('bob'), newUser('carol')];
  const group = await createGroup([alice, bob], 'growing');
  const alicePhone = device(alice, { deviceName: 'phone' });
  const aliceLaptop = device(alice, { deviceName: 'laptop' });
  const bobPhone = device(bob, { deviceName: 'phone' });
  const errors: string[] = [];
  for (const client of [alicePhone, aliceLaptop, bobPhone]) client.on('error', (error) => errors.push(`${error.code}: ${error.message}`));
  await Promise.all([alicePhone.start(), aliceLaptop.start(), bobPhone.start()]);
  await bobPhone.send(group, { text: 'before 1' }).sent;
  await bobPhone.send(group, { text: 'before 2' }).sent;
  await eventually(() => aliceLaptop.unread(group) === 2, 'the laptop has the first two');
  aliceLaptop.disconnect();

  const grown = await bobPhone.addMember(group, carol);
  assert.equal(grown.memberCount, 3);
  const sends = [bobPhone.send(group, { text: 'after 1' }).sent, bobPhone.send(group, { text: 'after 2' }).sent];
  await Promise.all(sends);
  await eventually(() => alicePhone.conversations().find((c) => c.id === group)?.stream === true, 'the phone sees the conversion');
  await eventually(() => texts(alicePhone, group).length === 4, 'the phone has all four');

  aliceLaptop.connect();
  await eventually(() => texts(aliceLaptop, group).length === 4, 'the laptop catches up across the switch');
  for (const client of [alicePhone, aliceLaptop]) {
    assert.deepEqual(texts(client, group), ['before 1', 'before 2', 'after 1', 'after 2']);
    assert.deepEqual(convSeqs(client, group), upTo(4));
    assert.equal(client.unread(group), 4);
    assert.equal(client.conversations().find((c) => c.id === group)!.stream, true);
  }
  assert.equal((await serverConversations(alice)).total_unread, 4);
  assert.deepEqual(texts(bobPhone, group), ['before 1', 'before 2', 'after 1', 'after 2']);
  assert.deepEqual(errors, [], 'no frame of the SDK was refused (acks included)');
});
