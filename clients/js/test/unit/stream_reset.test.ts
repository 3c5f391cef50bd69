import assert from 'node:assert/strict';
import { test } from 'node:test';
import { memoryStore } from '../../src/store_memory.js';
import type { StreamReset } from '../../src/types.js';
import { fakeClient, streamingFakeClient } from '../support/fake_client.js';
import { streamEvent } from '../support/fake_server.js';

const inStream = (client: ReturnType<typeof fakeClient>['client']) => client.conversations().find((c) => c.id === 's1')!;

test('stream_reset jumps the stream to its head, reports the hole, and the stream continues after it', async () => {
  const { client, server, socket } = await streamingFakeClient({}, { head: 2, readUpTo: 2 });
  const resets: StreamReset[] = [];
  client.on('streamReset', (reset) => resets.push(reset));
  socket.push({ type: 'stream_reset', stream: 's1', head: 10 });
  await server.until(() => resets.length === 1, 'the streamReset event');
  assert.deepEqual(resets, [{ conversationId: 's1', from: 2, head: 10 }]);
  assert.equal(inStream(client).head, 10);
  assert.equal(client.unread('s1'), 8, 'the missed messages above the read cursor count as unread');
  socket.push(streamEvent('s1', 7, 'bob'));
  socket.push(streamEvent('s1', 11, 'bob'));
  await server.until(() => inStream(client).lastMessages.length === 1, 'the next event');
  assert.deepEqual(inStream(client).lastMessages.map((m) => m.convSeq), [11], 'an event inside the hole is not applied');
  assert.equal(client.unread('s1'), 9);
  assert.equal(server.sockets.length, 1, 'no resync');
  await socket.frame((f) => f.type === 'ack' && f.stream === 's1' && f.up_to === 11, 'ack after the jump');
  await client.stop();
});

test('a stream_reset at or below the position changes nothing', async () => {
  const { client, server, socket } = await streamingFakeClient({}, { head: 4, readUpTo: 4 });
  const resets: StreamReset[] = [];
  client.on('streamReset', (reset) => resets.push(reset));
  socket.push({ type: 'stream_reset', stream: 's1', head: 3 });
  socket.push(streamEvent('s1', 5, 'bob'));
  await server.until(() => inStream(client).lastMessages.length === 1, 'the next event');
  assert.deepEqual(resets, []);
  assert.equal(client.unread('s1'), 1);
  await client.stop();
});

test('a welcome position past the stored one is a hole as well', async () => {
  const store = memoryStore();
  const first = await streamingFakeClient({ store }, { head: 3, readUpTo: 3 });
  await first.client.stop();
  const { client, server } = fakeClient({ store });
  const resets: StreamReset[] = [];
  client.on('streamReset', (reset) => resets.push(reset));
  const started = client.start();
  const socket = await server.socket(1);
  await socket.greet({ streams: [{ conversation_id: 's1', position: 7, head: 8 }] });
  socket.push({ type: 'synced', head: 0 });
  socket.push(streamEvent('s1', 8, 'bob'));
  socket.push({ type: 'synced', stream: 's1', head: 8 });
  await started;
  assert.deepEqual(resets, [{ conversationId: 's1', from: 3, head: 7 }]);
  assert.deepEqual(inStream(client).lastMessages.map((m) => m.convSeq), [8]);
  assert.equal(client.unread('s1'), 5);
  await client.stop();
});
