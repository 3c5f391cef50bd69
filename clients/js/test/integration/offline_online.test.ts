import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { createGroup, eventually, newUser } from '../support/env.js';
import { device, stopAll } from '../support/real_clients.js';

after(stopAll);

test('a device that was offline catches up in order and delivers what it queued meanwhile', async () => {
  const alice = newUser('alice');
  const bob = newUser('bob');
  const conversation = await createGroup([alice, bob]);
  const phone = device(alice);
  const laptop = device(alice);
  const bobs = device(bob);
  await Promise.all([phone.start(), laptop.start(), bobs.start()]);

  laptop.disconnect();
  assert.equal(laptop.state, 'offline');
  const queued = laptop.send(conversation, { text: 'written offline' });
  await queued.queued;
  assert.equal(laptop.pending().length, 1);
  for (let i = 0; i < 3; i++) await bobs.send(conversation, { text: `bob ${i}` }).sent;
  await phone.send(conversation, { text: 'phone' }).sent;

  laptop.connect();
  await queued.sent;
  await laptop.synced();
  await phone.synced();
  const texts = (client: typeof laptop) => client.conversations()[0].lastMessages.map((m) => m.body.text);
  await eventually(() => texts(phone).length === 5, 'the phone has all five');
  assert.deepEqual(texts(laptop), texts(phone), 'same messages, same order on both devices');
  assert.equal(laptop.pending().length, 0);
  // receipts from bob's device may still be on their way to one of the two: the cursors converge
  await eventually(() => laptop.cursor === phone.cursor, 'both devices reach the same cursor');
  const seqs = laptop.conversations()[0].lastMessages.map((m) => m.convSeq);
  assert.deepEqual(seqs, [...seqs].sort((a, b) => a! - b!));
});
