import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createClient } from '../../src/client.js';
import { memoryStore } from '../../src/store_memory.js';
import { FakeServer } from '../support/fake_server.js';

test('auto: when WebSocket cannot connect twice in a row, the client falls back to SockJS', async () => {
  const blocked = new FakeServer();
  blocked.refuse = true;
  const sockjs = new FakeServer();
  const client = createClient({
    url: 'http://fake.invalid', getToken: () => 't', store: memoryStore(), backoff: { minMs: 1, maxMs: 5 },
    WebSocket: blocked.WebSocket, SockJS: sockjs.WebSocket,
  });
  client.on('error', () => undefined);
  const started = client.start();
  const socket = await sockjs.socket(1);
  assert.ok(socket.url.endsWith('/v1/sockjs'), socket.url);
  assert.equal(blocked.sockets.length, 2);
  await socket.greet();
  socket.push({ type: 'synced', head: 0 });
  await started;
  assert.equal(client.state, 'live');
  await client.stop();
});
