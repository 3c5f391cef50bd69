import assert from 'node:assert/strict';
import { test } from 'node:test';
import { streamingFakeClient } from '../support/fake_client.js';
import { messageEvent, streamEvent } from '../support/fake_server.js';

const converted = (seq: number, streamFrom: number) => ({
  type: 'event', seq, kind: 'conversation', ts: 1_700_000_000_000 + seq,
  data: { action: 'converted', conversation: { conversation_id: 'c1', kind: 'group', title: 'c1', stream: true, member_count: 1001, head: streamFrom - 1, stream_from: streamFrom } },
});

type Client = Awaited<ReturnType<typeof streamingFakeClient>>['client'];
const group = (client: Client) => client.conversations().find((c) => c.id === 'c1')!;

test('a group that converts: messages before stream_from come from the log, from it on from the stream, none twice', async () => {
  const { client, server, socket } = await streamingFakeClient();
  const messages: number[] = [];
  client.on('message', (message) => message.conversationId === 'c1' && messages.push(message.convSeq!));
  socket.push({ type: 'events', events: [messageEvent(1, 'c1', 1, 'bob'), messageEvent(2, 'c1', 2, 'bob'), converted(3, 3)] });
  await server.until(() => client.cursor === 3, 'the conversion');
  assert.equal(group(client).stream, true);
  assert.equal(group(client).memberCount, 1001);
  assert.deepEqual(group(client).members, [], 'a stream carries no member list');
  socket.push({ type: 'events', events: [streamEvent('c1', 2, 'bob'), streamEvent('c1', 3, 'bob'), streamEvent('c1', 4, 'bob')] });
  await server.until(() => group(client).lastMessages.length === 4, 'the stream messages');
  assert.deepEqual(group(client).lastMessages.map((m) => m.convSeq), [1, 2, 3, 4]);
  assert.deepEqual(messages, [1, 2, 3, 4]);
  assert.equal(client.unread('c1'), 4);
  assert.equal(client.cursor, 3);
  assert.equal(server.sockets.length, 1, 'conv_seq 2 in the stream is a repeat, not a gap');
  await socket.frame((f) => f.type === 'ack' && f.stream === 'c1' && f.up_to === 4, 'the stream ack');
  await client.stop();
});

test('a stream message that arrives before the conversion and repeats one from the log is not counted twice', async () => {
  const { client, server, socket } = await streamingFakeClient();
  socket.push({ type: 'events', events: [messageEvent(1, 'c1', 1, 'bob'), messageEvent(2, 'c1', 2, 'alice')] });
  await server.until(() => client.cursor === 2, 'the log');
  socket.push({ type: 'events', events: [streamEvent('c1', 2, 'alice'), streamEvent('c1', 3, 'bob')] });
  socket.push(converted(3, 3));
  await server.until(() => client.cursor === 3, 'the conversion');
  socket.push(streamEvent('c1', 4, 'bob'));
  await server.until(() => group(client).lastMessages.length === 4, 'conv_seq 4');
  assert.deepEqual(group(client).lastMessages.map((m) => m.convSeq), [1, 2, 3, 4]);
  assert.equal(client.unread('c1'), 2, 'own message 2 cleared the count; 3 and 4 are unread');
  await client.stop();
});

test('a snapshot puts each stream at its head: what it shows is not applied again', async () => {
  const { client, server, socket } = await streamingFakeClient({}, { head: 2, readUpTo: 1 });
  socket.push(streamEvent('s1', 2, 'bob'));
  socket.push(streamEvent('s1', 3, 'bob'));
  await server.until(() => client.conversations().find((c) => c.id === 's1')!.lastMessages.length === 1, 'conv_seq 3');
  assert.deepEqual(client.conversations().find((c) => c.id === 's1')!.lastMessages.map((m) => m.convSeq), [3]);
  assert.equal(client.unread('s1'), 2, 'one unread from the snapshot, one new');
  assert.equal(client.conversations().find((c) => c.id === 's1')!.memberCount, 1500);
  await client.stop();
});
