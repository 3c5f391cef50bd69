import assert from 'node:assert/strict';
import { createServer, type IncomingMessage } from 'node:http';
import { after, test } from 'node:test';
import { createClient } from '../../src/client.js';
import { memoryStore } from '../../src/store_memory.js';

/** A stand-in for the REST API: records each request and answers from the table below. */
const requests: Array<{ method: string; url: string; authorization?: string }> = [];
const answers: Record<string, [number, unknown]> = {
  'GET /v1/devices': [200, { devices: [
    { device_id: 'd1', name: 'Phone', platform: 'ios', created: 1, last_seen: 2, cursor: 3, online: false, presence: null,
      last_attentive: 100, attention: 'background', attention_at: 101, last_ack_at: 102, drain: { up_to: 7, deadline: 103 } },
    { device_id: 'd2', name: 'Old', platform: null, created: 1, last_seen: null, cursor: 0, online: false, presence: null,
      last_attentive: null, attention: null, attention_at: null, last_ack_at: null },
  ] }],
  'DELETE /v1/devices/d1?after_drain=true': [202, { device: { device_id: 'd1' }, drain: { up_to: 7, deadline: 1_800_000_000_000 } }],
  'DELETE /v1/devices/d2?after_drain=true': [200, { device_id: 'd2', revoked: true }],
  'DELETE /v1/devices/d2': [200, { device_id: 'd2', revoked: true }],
};
const server = createServer((request: IncomingMessage, response) => {
  requests.push({ method: request.method!, url: request.url!, authorization: request.headers.authorization });
  const [status, body] = answers[`${request.method} ${request.url}`] ?? [404, { code: 'not_found', message: 'no such device' }];
  response.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
after(() => server.close());
const client = createClient({ url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, getToken: () => 'the-token', store: memoryStore() });

test('devices.list shows when each device was last attentive, its declared attention, its last ack and a drain waiting', async () => {
  const [phone, old] = await client.devices.list();
  assert.deepEqual([phone.lastAttentive, phone.attention, phone.attentionAt, phone.lastAckAt], [100, 'background', 101, 102]);
  assert.deepEqual(phone.drain, { upTo: 7, deadline: 103 });
  assert.deepEqual([old.lastAttentive, old.attention, old.attentionAt, old.lastAckAt, old.drain], [null, null, null, null, null]);
  assert.equal(requests[0].authorization, 'Bearer the-token');
});

test('devices.revoke after drain answers how far the device must acknowledge, or null when it is revoked at once', async () => {
  assert.deepEqual(await client.devices.revoke('d1', { afterDrain: true }), { drain: { upTo: 7, deadline: 1_800_000_000_000 } });
  assert.deepEqual(await client.devices.revoke('d2', { afterDrain: true }), { drain: null });
  assert.deepEqual(await client.devices.revoke('d2'), { drain: null });
  assert.deepEqual(requests.slice(-3).map((request) => `${request.method} ${request.url}`),
    ['DELETE /v1/devices/d1?after_drain=true', 'DELETE /v1/devices/d2?after_drain=true', 'DELETE /v1/devices/d2']);
  await assert.rejects(client.devices.revoke('d3', { afterDrain: true }), { code: 'not_found' });
});
