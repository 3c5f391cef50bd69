import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fakeClient, streamingFakeClient } from '../support/fake_client.js';
import { conversationSnapshot, messageEvent, streamEvent, streamSnapshot } from '../support/fake_server.js';

const inStream = (client: Awaited<ReturnType<typeof streamingFakeClient>>['client'], id = 's1') =>
  client.conversations().find((conversation) => conversation.id === id)!;

test('hello asks for streams', async () => {
  const { client, socket } = await streamingFakeClient();
  const hello = await socket.frame((frame) => frame.type === 'hello');
  assert.equal(hello.streams, true);
  await client.stop();
});

test('a stream message is applied once and counted unread, and the user-log cursor stays where it was', async () => {
  const { client, server, socket } = await streamingFakeClient();
  const messages: Array<number | null> = [];
  const events: Array<string | undefined> = [];
  client.on('message', (message) => messages.push(message.convSeq));
  client.on('event', (event) => events.push(event.stream));
  socket.push(streamEvent('s1', 1, 'bob'));
  socket.push(streamEvent('s1', 1, 'bob'));
  socket.push(streamEvent('s1', 2, 'bob'));
  await server.until(() => inStream(client).lastMessages.length === 2, 'two stream messages');
  socket.push(streamEvent('s1', 2, 'bob'));
  await new Promise((resolve) => setTimeout(resolve, 20));
  assert.deepEqual(inStream(client).lastMessages.map((m) => [m.convSeq, m.seq]), [[1, null], [2, null]], 'each once, with no user-log seq');
  assert.deepEqual(messages, [1, 2]);
  assert.deepEqual(events, ['s1', 's1']);
  assert.equal(client.unread('s1'), 2);
  assert.equal(client.badge(), 2);
  assert.equal(inStream(client).head, 2);
  assert.equal(client.cursor, 0, 'the user-log cursor is untouched');
  await client.stop();
});

test('a gap in a stream is never applied: the client resyncs and the backlog fills it', async () => {
  const { client, server, socket } = await streamingFakeClient();
  const errors: string[] = [];
  client.on('error', (error) => errors.push(error.message));
  socket.push(streamEvent('s1', 1, 'bob'));
  socket.push(streamEvent('s1', 3, 'bob'));
  const second = await server.socket(2);
  assert.deepEqual(inStream(client).lastMessages.map((m) => m.convSeq), [1], 'conv_seq 3 was not applied');
  assert.match(errors[0], /gap in stream s1: expected seq 2, got 3/);
  await second.greet({ streams: [{ conversation_id: 's1', position: 1, head: 3 }] });
  second.push({ type: 'synced', head: 0 });
  second.push({ type: 'events', events: [streamEvent('s1', 2, 'bob'), streamEvent('s1', 3, 'bob')] });
  second.push({ type: 'synced', stream: 's1', head: 3 });
  await server.until(() => inStream(client).lastMessages.length === 3, 'the backlog');
  assert.deepEqual(inStream(client).lastMessages.map((m) => m.convSeq), [1, 2, 3]);
  assert.equal(client.unread('s1'), 3);
  await client.stop();
});

test('a batched backlog interleaving the log and a stream applies each in its own order', async () => {
  const { client, server, socket } = await streamingFakeClient();
  socket.push({ type: 'events', events: [
    messageEvent(1, 'c1', 1, 'bob'), streamEvent('s1', 1, 'carol'), messageEvent(2, 'c1', 2, 'bob'),
    streamEvent('s1', 2, 'carol'), streamEvent('s1', 1, 'carol'), messageEvent(2, 'c1', 2, 'bob'),
  ] });
  await server.until(() => client.cursor === 2, 'cursor 2');
  assert.deepEqual(inStream(client, 'c1').lastMessages.map((m) => m.convSeq), [1, 2]);
  assert.deepEqual(inStream(client, 's1').lastMessages.map((m) => m.convSeq), [1, 2]);
  assert.equal(client.badge(), 4);
  assert.equal(server.sockets.length, 1, 'no resync');
  await client.stop();
});

test('the client goes live only once the log and every stream of the welcome are synced', async () => {
  const { client, server } = fakeClient();
  const started = client.start();
  const socket = await server.socket(1);
  await socket.greet({
    snapshot: { conversations: [conversationSnapshot('c1', 0, 0), streamSnapshot('s1', 0, 0), streamSnapshot('s2', 0, 0)] },
    streams: [{ conversation_id: 's1', position: 0, head: 1 }, { conversation_id: 's2', position: 0, head: 0 }],
  });
  socket.push({ type: 'synced', head: 0 });
  socket.push(streamEvent('s1', 1, 'bob'));
  socket.push({ type: 'synced', stream: 's1', head: 1 });
  await new Promise((resolve) => setTimeout(resolve, 20));
  assert.equal(client.state, 'syncing', 's2 has not caught up yet');
  socket.push({ type: 'synced', stream: 's2', head: 0 });
  await started;
  assert.equal(client.state, 'live');
  assert.equal(client.unread('s1'), 1);
  await client.stop();
});
