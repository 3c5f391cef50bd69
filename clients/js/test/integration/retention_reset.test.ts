import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { memoryStore } from '../../src/store_memory.js';
import { createGroup, newUser } from '../support/env.js';
import { device, serverConversations, stopAll } from '../support/real_clients.js';

after(stopAll);

test('a device behind the retention window resets and rebuilds from the snapshot', async () => {
  const alice = newUser('alice');
  const bob = newUser('bob');
  const conversation = await createGroup([alice, bob]);
  const store = memoryStore();
  const tablet = device(alice, { store });
  await tablet.start();
  const before = tablet.cursor;
  await tablet.stop();

  const bobs = device(bob);
  await bobs.start();
  const sends = Array.from({ length: 90 }, (_, i) => bobs.send(conversation, { text: `m${i}` }).sent);
  await Promise.all(sends);
  await new Promise((resolve) => setTimeout(resolve, 800));

  const again = device(alice, { store });
  const resets: string[] = [];
  again.on('reset', (info) => resets.push(info.reason));
  await again.start();
  assert.deepEqual(resets, ['reset_required']);
  assert.ok(again.cursor > before + 60);
  const local = again.conversations()[0];
  assert.equal(local.head, 90);
  assert.equal(local.unread, 90);
  assert.equal(again.badge(), (await serverConversations(alice)).total_unread);
});
