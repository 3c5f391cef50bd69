import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fakeClient, liveFakeClient } from '../support/fake_client.js';
import { conversationSnapshot, messageEvent } from '../support/fake_server.js';

test('a send is in the store before it goes out, and is retried with the same client_msg_id', async () => {
  const { client, server, store } = fakeClient();
  const started = client.start();
  const first = await server.socket(1);
  await first.greet({ head: 0, snapshot: { conversations: [conversationSnapshot('c1', 0, 0)] } });
  first.push({ type: 'synced', head: 0 });
  await started;

  const handle = client.send('c1', { text: 'hi' });
  const frame = await first.frame((f) => f.type === 'send');
  const stored = await store.list<{ clientMsgId: string }>('outbox/');
  assert.equal(stored.length, 1);
  assert.equal(frame.client_msg_id, handle.clientMsgId);
  assert.equal(client.pending().length, 1);
  assert.equal(client.conversations()[0].lastMessages.at(-1)?.state, 'pending');

  first.closeFromServer(1006);
  const second = await server.socket(2);
  await second.greet();
  const retried = await second.frame((f) => f.type === 'send');
  assert.equal(retried.client_msg_id, handle.clientMsgId);
  second.push({ type: 'sent', id: retried.id, client_msg_id: handle.clientMsgId, conversation_id: 'c1', conv_seq: 1, seq: 1, duplicate: true });
  assert.deepEqual(await handle.sent, { seq: 1, convSeq: 1 }, 'a duplicate answer is success');
  assert.equal(client.pending().length, 0);

  second.push(messageEvent(1, 'c1', 1, 'alice', { sender: { user_id: 'alice', device_id: client.deviceId }, client_msg_id: handle.clientMsgId }));
  await server.until(() => client.cursor === 1, 'the own event');
  await server.until(() => client.conversations()[0].lastMessages.length === 1, 'one message, not two');
  assert.equal(client.conversations()[0].lastMessages[0].state, 'sent');
  await client.stop();
  assert.equal((await store.list('outbox/')).length, 0);
});

test('a refused send is failed, not retried', async () => {
  const { client, socket } = await liveFakeClient();
  const handle = client.send('nowhere', { text: 'x' });
  const frame = await socket.frame((f) => f.type === 'send');
  socket.push({ type: 'error', id: frame.id, code: 'not_member', message: 'no' });
  await assert.rejects(handle.sent, { code: 'not_member' });
  assert.equal(client.pending()[0].state, 'failed');
  await client.stop();
});
