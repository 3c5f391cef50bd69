import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fakeClient } from '../support/fake_client.js';

test('the client pings within the heartbeat and reconnects when the server goes silent', async () => {
  const { client, server } = fakeClient();
  const started = client.start();
  const socket = await server.socket(1);
  const hello = await socket.frame((f) => f.type === 'hello');
  socket.push({ type: 'welcome', user_id: 'alice', device_id: hello.device_id ?? 'd', cursor: 0, head: 0, retention_floor: 0, reset_required: false, heartbeat_ms: 120 });
  socket.push({ type: 'snapshot', head: 0, conversations: [] });
  socket.push({ type: 'synced', head: 0 });
  await started;
  await socket.frame((f) => f.type === 'ping', 'a ping');
  const next = await server.socket(2);
  assert.equal(socket.closedByClient, 4000, 'the silent connection was closed by the client');
  assert.ok(next, 'and a new one opened');
  await client.stop();
});
