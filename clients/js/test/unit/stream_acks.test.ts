import assert from 'node:assert/strict';
import { test } from 'node:test';
import { memoryStore } from '../../src/store_memory.js';
import { fakeClient, streamingFakeClient } from '../support/fake_client.js';
import { conversationSnapshot, streamEvent, streamSnapshot } from '../support/fake_server.js';

test('stream acks go out after the write, coalesced to one per stream and write, and leave the user-log cursor alone', async () => {
  const inner = memoryStore();
  let release: () => void = () => undefined;
  let holding = false;
  const store = { ...inner, set: async (key: string, value: unknown) => {
    if (holding && key === 'sync') await new Promise<void>((resolve) => (release = resolve));
    return inner.set(key, value);
  } };
  const { client, server } = fakeClient({ store });
  const started = client.start();
  const socket = await server.socket(1);
  await socket.greet({
    snapshot: { conversations: [conversationSnapshot('c1', 0, 0), streamSnapshot('s1', 0, 0), streamSnapshot('s2', 0, 0)] },
    streams: [{ conversation_id: 's1', position: 0, head: 0 }, { conversation_id: 's2', position: 0, head: 0 }],
  });
  socket.push({ type: 'synced', head: 0 });
  socket.push({ type: 'synced', stream: 's1', head: 0 });
  socket.push({ type: 'synced', stream: 's2', head: 0 });
  await started;
  await new Promise((resolve) => setTimeout(resolve, 20));
  holding = true;
  socket.push(streamEvent('s1', 1, 'bob'));
  socket.push({ type: 'events', events: [streamEvent('s1', 2, 'bob'), streamEvent('s2', 1, 'bob')] });
  socket.push(streamEvent('s1', 3, 'bob'));
  socket.push(streamEvent('s2', 2, 'bob'));
  await new Promise((resolve) => setTimeout(resolve, 50));
  const streamAcks = () => socket.sent.filter((f) => f.type === 'ack' && f.stream !== undefined);
  assert.equal(streamAcks().length, 0, 'nothing acked before the write');
  holding = false;
  release();
  await socket.frame((f) => f.type === 'ack' && f.stream === 's1' && f.up_to === 3, 'ack of s1 up to 3');
  await socket.frame((f) => f.type === 'ack' && f.stream === 's2' && f.up_to === 2, 'ack of s2 up to 2');
  assert.deepEqual(streamAcks().map((f) => [f.stream, f.up_to, f.id]), [['s1', 1, undefined], ['s1', 3, undefined], ['s2', 2, undefined]],
    'the write under way covers s1 up to 1; the four events during it, one write and one ack per stream');
  assert.equal(socket.sent.filter((f) => f.type === 'ack' && f.stream === undefined && f.up_to > 0).length, 0, 'no user-log ack');
  assert.equal(client.cursor, 0);
  await client.stop();
});

test('a stream position the server already holds is not acked again', async () => {
  const { client, server, socket } = await streamingFakeClient({}, { head: 5, readUpTo: 5 });
  socket.push(streamEvent('s1', 6, 'bob'));
  await socket.frame((f) => f.type === 'ack' && f.stream === 's1', 'the ack of s1');
  await server.until(() => client.unread('s1') === 1, 'one unread');
  assert.deepEqual(socket.sent.filter((f) => f.type === 'ack' && f.stream === 's1').map((f) => f.up_to), [6], 'position 5 came from the server: only 6 is acked');
  await client.stop();
});
