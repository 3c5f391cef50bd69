import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { createGroup, eventually, newUser } from '../support/env.js';
import { device, serverConversations, stopAll } from '../support/real_clients.js';

after(stopAll);

test('two devices of one user: a send on one shows on the other, and badges follow reads everywhere', async () => {
  const alice = newUser('alice');
  const bob = newUser('bob');
  const conversation = await createGroup([alice, bob]);
  const phone = device(alice, { deviceName: 'phone' });
  const laptop = device(alice, { deviceName: 'laptop' });
  const bobs = device(bob);
  await Promise.all([phone.start(), laptop.start(), bobs.start()]);
  assert.notEqual(phone.deviceId, laptop.deviceId);

  const sent = await phone.send(conversation, { text: 'hi from the phone' }).sent;
  await eventually(() => laptop.conversations()[0]?.lastMessages.some((m) => m.body.text === 'hi from the phone'), 'laptop sees it');
  assert.equal(laptop.conversations()[0].lastMessages.at(-1)?.convSeq, sent.convSeq);

  await bobs.send(conversation, { text: 'one' }).sent;
  await bobs.send(conversation, { text: 'two' }).sent;
  await eventually(() => phone.badge() === 2 && laptop.badge() === 2, 'both alice devices count two unread');
  assert.equal((await serverConversations(alice)).total_unread, 2, 'equal to the server\'s total_unread');

  await laptop.read(conversation);
  await eventually(() => phone.badge() === 0, 'the phone\'s badge clears after a read on the laptop');
  assert.equal((await serverConversations(alice)).total_unread, 0);

  await phone.markUnread(conversation);
  await eventually(() => laptop.badge() === 1, 'marked unread counts one on the other device');
  assert.equal((await serverConversations(alice)).total_unread, 1);
});
