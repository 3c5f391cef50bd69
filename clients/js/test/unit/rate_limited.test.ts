import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fakeClient, liveFakeClient } from '../support/fake_client.js';

test('rate_limited: the same request goes again after retry_after_ms, on the same connection', async () => {
  const { client, server, socket } = await liveFakeClient();
  const handle = client.send('c1', { text: 'x' });
  const first = await socket.frame((f) => f.type === 'send');
  const limitedAt = Date.now();
  socket.push({ type: 'error', id: first.id, code: 'rate_limited', message: 'slow down', retry_after_ms: 120 });
  const again = await socket.frame((f) => f.type === 'send' && f.id !== first.id);
  assert.ok(Date.now() - limitedAt >= 100, 'waited for retry_after_ms');
  assert.equal(again.client_msg_id, handle.clientMsgId);
  assert.equal(server.sockets.length, 1, 'the connection stayed open');
  socket.push({ type: 'sent', id: again.id, client_msg_id: handle.clientMsgId, conversation_id: 'c1', conv_seq: 1, seq: 1, duplicate: false });
  await handle.sent;
  await client.stop();
});

test('a rate_limited hello: the socket is closed and the next hello waits for retry_after_ms', async () => {
  const { client, server } = fakeClient();
  void client.start().catch(() => {});
  const first = await server.socket(1);
  const hello = await first.frame((f) => f.type === 'hello');
  const limitedAt = Date.now();
  first.push({ type: 'error', id: hello.id, code: 'rate_limited', message: 'too many hellos', retry_after_ms: 150, limit: 'hellos_ip' });
  const second = await server.socket(2);
  await second.frame((f) => f.type === 'hello');
  const waited = Date.now() - limitedAt;
  assert.ok(waited >= 140, 'waited for retry_after_ms before saying hello again');
  assert.ok(waited < 2000, `came back after retry_after_ms, not after the welcome timeout (${waited} ms)`);
  await client.stop();
});
