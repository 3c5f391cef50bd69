import assert from 'node:assert/strict';
import { test } from 'node:test';
import { streamingFakeClient } from '../support/fake_client.js';
import { messageEvent, streamEvent } from '../support/fake_server.js';
import type { Store } from '../../src/store.js';

async function outboxEmptied(store: Store): Promise<void> {
  const deadline = Date.now() + 5000;
  while ((await store.list('outbox/')).length > 0) {
    if (Date.now() > deadline) throw new Error('timed out waiting for the outbox to empty');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

test('a send to a stream: sent with seq 0 keeps the message shown until its stream event, then it is there once', async () => {
  const { client, server, socket, store } = await streamingFakeClient();
  const handle = client.send('s1', { text: 'hello, everyone' });
  const frame = await socket.frame((f) => f.type === 'send');
  socket.push({ type: 'sent', id: frame.id, client_msg_id: handle.clientMsgId, conversation_id: 's1', conv_seq: 1, seq: 0, stream: true, duplicate: false });
  assert.deepEqual(await handle.sent, { seq: 0, convSeq: 1 });
  assert.equal(client.pending().length, 0, 'not pending any more');

  socket.push(messageEvent(1, 'c1', 1, 'bob'));
  await server.until(() => client.cursor === 1, 'a user-log event and its write');
  await new Promise((resolve) => setTimeout(resolve, 20));
  const s1 = () => client.conversations().find((c) => c.id === 's1')!;
  assert.deepEqual(s1().lastMessages.map((m) => [m.state, m.convSeq]), [['sent', 1]], 'seq 0 is not taken for a user-log seq at or below the cursor');
  assert.equal((await store.list('outbox/')).length, 1);

  socket.push(streamEvent('s1', 1, 'alice', { sender: { user_id: 'alice', device_id: client.deviceId }, client_msg_id: handle.clientMsgId }));
  await server.until(() => s1().lastMessages.length === 1 && s1().lastMessages[0].seq === null && client.pending().length === 0, 'the echo');
  await outboxEmptied(store);
  assert.deepEqual(s1().lastMessages.map((m) => [m.state, m.convSeq, m.clientMsgId]), [['sent', 1, handle.clientMsgId]]);
  assert.equal(client.unread('s1'), 0, 'own messages are never unread');
  await client.stop();
});

test('a stream send answered after its own event was applied leaves nothing in the outbox', async () => {
  const { client, server, socket, store } = await streamingFakeClient();
  const handle = client.send('s1', { text: 'fast echo' });
  const frame = await socket.frame((f) => f.type === 'send');
  socket.push(streamEvent('s1', 1, 'alice', { sender: { user_id: 'alice', device_id: 'another-device' }, client_msg_id: 'someone-else' }));
  socket.push(streamEvent('s1', 2, 'alice', { sender: { user_id: 'alice', device_id: client.deviceId }, client_msg_id: handle.clientMsgId }));
  await server.until(() => client.conversations().find((c) => c.id === 's1')!.lastMessages.length === 2, 'both events');
  socket.push({ type: 'sent', id: frame.id, client_msg_id: handle.clientMsgId, conversation_id: 's1', conv_seq: 2, seq: 0, stream: true, duplicate: false });
  assert.deepEqual(await handle.sent, { seq: 0, convSeq: 2 });
  await outboxEmptied(store);
  assert.equal(client.conversations().find((c) => c.id === 's1')!.lastMessages.length, 2);
  await client.stop();
});
