import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fakeClient } from '../support/fake_client.js';
import { conversationSnapshot } from '../support/fake_server.js';

test('a new device starts at its snapshot\'s head and acknowledges it once stored', async () => {
  const { client, server, store } = fakeClient();
  const started = client.start();
  const socket = await server.socket(1);
  const hello = await socket.greet({ deviceId: 'new-dev', head: 7, snapshot: { conversations: [conversationSnapshot('c1', 3, 3)] } });
  assert.equal(hello.device_id, undefined, 'the first hello registers a device');
  assert.equal(hello.cursor, undefined);
  socket.push({ type: 'synced', head: 7 });
  await started;
  const ack = await socket.frame((frame) => frame.type === 'ack');
  assert.equal(ack.up_to, 7);
  const stored = await store.get<{ cursor: number; deviceId: string }>('sync');
  assert.equal(stored?.cursor, 7);
  assert.equal(stored?.deviceId, 'new-dev');
  await client.stop();
});

test('the next hello names the stored device and its cursor', async () => {
  const { client, server, store } = fakeClient();
  const started = client.start();
  const socket = await server.socket(1);
  await socket.greet({ deviceId: 'dev-9', head: 4 });
  socket.push({ type: 'synced', head: 4 });
  await started;
  await client.stop();
  const restarted = fakeClient({ store });
  void restarted.client.start().catch(() => undefined);
  const next = await restarted.server.socket(1);
  const hello = await next.frame((frame) => frame.type === 'hello');
  assert.equal(hello.device_id, 'dev-9');
  assert.equal(hello.cursor, 4);
  await restarted.client.stop();
});
