import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { test } from 'node:test';
import { NodeWebSocket } from '../../src/node_websocket.js';

test('a refused upgrade (HTTP 429) reports its Retry-After', async () => {
  const server = createServer((_request, response) => {
    response.writeHead(429, { 'Retry-After': '3' }).end();
  });
  server.on('upgrade', (_request, socket) => socket.end('HTTP/1.1 429 Too Many Requests\r\nRetry-After: 3\r\nContent-Length: 0\r\n\r\n'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  const socket = new NodeWebSocket(`ws://127.0.0.1:${port}/v1/ws`);
  const closed = await new Promise<{ code: number }>((resolve) => (socket.onclose = resolve));
  assert.equal(closed.code, 1006);
  assert.equal(socket.retryAfterMs, 3000);
  server.close();
});
