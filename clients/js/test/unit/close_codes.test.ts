import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fakeClient, liveFakeClient } from '../support/fake_client.js';

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test('4009 replaced: offline, and no reconnect loop', async () => {
  const { client, server, socket } = await liveFakeClient({}, 2);
  socket.closeFromServer(4009);
  await pause(100);
  assert.equal(client.state, 'offline');
  assert.equal(client.offlineReason, 'replaced');
  assert.equal(server.sockets.length, 1);
  client.connect();
  await server.socket(2);
  await client.stop();
});

test('4008 slow_consumer: reconnects and resumes from the cursor', async () => {
  const { client, server, socket } = await liveFakeClient({}, 2);
  socket.closeFromServer(4008);
  const next = await server.socket(2);
  const hello = await next.frame((f) => f.type === 'hello');
  assert.equal(hello.cursor, 2);
  await client.stop();
});

test('4001: asks getToken again and says hello with the new token', async () => {
  const { client, server, socket } = await liveFakeClient({}, 2);
  socket.push({ type: 'error', code: 'token_expired', message: 'expired' });
  socket.closeFromServer(4001);
  const next = await server.socket(2);
  const hello = await next.frame((f) => f.type === 'hello');
  assert.equal(hello.token, 'token-2');
  await client.stop();
});

test('4003 after device_revoked: revoked, store wiped, no reconnect', async () => {
  const { client, server, socket, store } = await liveFakeClient({}, 2);
  socket.push({ type: 'error', code: 'device_revoked', message: 'revoked' });
  socket.closeFromServer(4003);
  await server.until(() => client.state === 'revoked', 'revoked');
  await pause(50);
  assert.equal(await store.get('sync'), undefined);
  assert.equal(server.sockets.length, 1);
  await client.stop();
});

test('4003 after device_unknown: registers anew and reports a reset', async () => {
  const { client, server, socket } = await liveFakeClient({}, 2);
  const resets: string[] = [];
  client.on('reset', (info) => resets.push(info.reason));
  socket.push({ type: 'error', code: 'device_unknown', message: 'unknown' });
  socket.closeFromServer(4003);
  const next = await server.socket(2);
  const hello = await next.frame((f) => f.type === 'hello');
  assert.equal(hello.device_id, undefined);
  assert.deepEqual(resets, ['device_unknown']);
  await client.stop();
});

test('1009 and 1007 are client bugs: reported as error, then a reconnect', async () => {
  const { client, server, socket } = await liveFakeClient({}, 2);
  const errors: string[] = [];
  client.on('error', (error) => errors.push(error.code));
  socket.closeFromServer(1009);
  const next = await server.socket(2);
  await next.greet();
  next.closeFromServer(1007);
  await server.socket(3);
  assert.deepEqual(errors, ['protocol', 'protocol']);
  await client.stop();
});

test('getToken failing leaves the client unauthorized', async () => {
  const { client } = fakeClient({ getToken: () => Promise.reject(new Error('signed out')) });
  client.on('error', () => undefined);
  await assert.rejects(client.start(), { code: 'unauthorized' });
  assert.equal(client.state, 'unauthorized');
  await client.stop();
});
