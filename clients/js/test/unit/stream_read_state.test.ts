import assert from 'node:assert/strict';
import { test } from 'node:test';
import { streamingFakeClient } from '../support/fake_client.js';
import { streamEvent } from '../support/fake_server.js';

const readState = (seq: number, readUpTo: number, unread: number, totalUnread = unread) => ({
  type: 'event', seq, kind: 'read_state', ts: 1_700_000_000_000 + seq,
  data: { conversation_id: 's1', read_up_to: readUpTo, unread, marked_unread: false, total_unread: totalUnread },
});

test('a stream\'s read_state takes the read cursor and counts the stream messages applied above it', async () => {
  const { client, server, socket } = await streamingFakeClient();
  const changes: number[] = [];
  client.on('readState', (change) => changes.push(change.unread));
  socket.push({ type: 'events', events: [1, 2, 3, 4].map((convSeq) => streamEvent('s1', convSeq, 'bob')) });
  await server.until(() => client.unread('s1') === 4, 'four unread');

  socket.push(readState(1, 2, 0));
  await server.until(() => client.cursor === 1, 'the first read_state');
  assert.equal(client.unread('s1'), 2, 'read when the head was 2 (the server said 0): 3 and 4 are unread here');

  socket.push(readState(2, 4, 3));
  await server.until(() => client.cursor === 2, 'the second read_state');
  assert.equal(client.unread('s1'), 0, 'read up to 4 when the head was 7: nothing above 4 is here yet');
  socket.push({ type: 'events', events: [5, 6, 7].map((convSeq) => streamEvent('s1', convSeq, 'bob')) });
  await server.until(() => client.conversations().find((c) => c.id === 's1')!.head === 7, 'conv_seq 7');
  assert.equal(client.unread('s1'), 3, 'equal to what the server counted');
  assert.equal(client.conversations().find((c) => c.id === 's1')!.readUpTo, 4);
  assert.deepEqual(changes, [2, 0], 'readState reports the local count');
  await client.stop();
});

test('a stream\'s read_state older than an own message applied since does not move the read cursor back', async () => {
  const { client, server, socket } = await streamingFakeClient();
  socket.push({ type: 'events', events: [streamEvent('s1', 1, 'bob'), streamEvent('s1', 2, 'alice'), streamEvent('s1', 3, 'bob')] });
  await server.until(() => client.conversations().find((c) => c.id === 's1')!.head === 3, 'three messages');
  socket.push(readState(1, 1, 0));
  await server.until(() => client.cursor === 1, 'the read_state');
  assert.equal(client.conversations().find((c) => c.id === 's1')!.readUpTo, 2);
  assert.equal(client.unread('s1'), 1);
  await client.stop();
});
