import assert from 'node:assert/strict';
import { test } from 'node:test';
import { liveFakeClient } from '../support/fake_client.js';

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
