import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fakeClient } from '../support/fake_client.js';
import { conversationSnapshot } from '../support/fake_server.js';

test('reset_required drops the local state, rebuilds it from the snapshot and emits reset', async () => {
  const { client, server, store } = fakeClient();
  const started = client.start();
  const first = await server.socket(1);
  await first.greet({ head: 3, snapshot: { conversations: [conversationSnapshot('old', 3, 0)] } });
  first.push({ type: 'synced', head: 3 });
  await started;
  await client.stop();

  const again = fakeClient({ store });
  const resets: string[] = [];
  again.client.on('reset', (info) => resets.push(info.reason));
  const restarted = again.client.start();
  const socket = await again.server.socket(1);
  await socket.greet({ head: 90, resetRequired: true, snapshot: { conversations: [conversationSnapshot('new', 5, 5)] } });
  socket.push({ type: 'synced', head: 90 });
  await restarted;
  assert.deepEqual(resets, ['reset_required']);
  assert.deepEqual(again.client.conversations().map((c) => c.id), ['new']);
  assert.equal(again.client.cursor, 90);
  await again.client.stop();
});
