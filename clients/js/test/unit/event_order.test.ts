import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fakeClient } from '../support/fake_client.js';
import { conversationSnapshot, messageEvent } from '../support/fake_server.js';

test('events apply strictly in seq order and a repeated seq is skipped', async () => {
  const { client, server } = fakeClient();
  const started = client.start();
  const socket = await server.socket(1);
  await socket.greet({ head: 2, snapshot: { conversations: [conversationSnapshot('c1', 0, 0)] } });
  socket.push({ type: 'synced', head: 2 });
  await started;
  socket.push(messageEvent(3, 'c1', 1, 'bob'));
  socket.push(messageEvent(3, 'c1', 1, 'bob'));
  socket.push(messageEvent(4, 'c1', 2, 'bob'));
  await server.until(() => client.cursor === 4, 'cursor 4');
  assert.deepEqual(client.conversations()[0].lastMessages.map((m) => m.convSeq), [1, 2]);
  assert.equal(client.unread('c1'), 2);
  await client.stop();
});

test('a gap is never applied: the client resyncs from its cursor', async () => {
  const { client, server } = fakeClient();
  const errors: string[] = [];
  client.on('error', (error) => errors.push(error.code));
  const started = client.start();
  const first = await server.socket(1);
  await first.greet({ head: 1, snapshot: { conversations: [conversationSnapshot('c1', 0, 0)] } });
  first.push({ type: 'synced', head: 1 });
  await started;
  first.push(messageEvent(2, 'c1', 1, 'bob'));
  first.push(messageEvent(4, 'c1', 3, 'bob'));
  const second = await server.socket(2);
  const hello = await second.frame((frame) => frame.type === 'hello');
  assert.equal(hello.cursor, 2, 'resumes after the last applied seq');
  assert.equal(client.cursor, 2, 'seq 4 was not applied');
  assert.deepEqual(errors, ['protocol']);
  await client.stop();
});

test('an event before a new device\'s snapshot is not applied', async () => {
  const { client, server } = fakeClient();
  client.on('error', () => undefined);
  void client.start().catch(() => undefined);
  const first = await server.socket(1);
  await first.frame((frame) => frame.type === 'hello');
  first.push({ type: 'welcome', user_id: 'alice', device_id: 'd1', cursor: 0, head: 5, retention_floor: 0, reset_required: false, heartbeat_ms: 30000 });
  first.push(messageEvent(5, 'c1', 1, 'bob'));
  await server.socket(2);
  assert.equal(client.cursor, 0);
  await client.stop();
});
