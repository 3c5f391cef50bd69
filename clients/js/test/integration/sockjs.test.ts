import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import SockJS from 'sockjs-client';
import { createGroup, eventually, newUser } from '../support/env.js';
import { device, stopAll } from '../support/real_clients.js';

after(stopAll);

test('over SockJS: sync, send, and the real close code of a revoke (sent as a frame before SockJS closes)', async () => {
  const alice = newUser('alice');
  const conversation = await createGroup([alice, newUser('bob')]);
  const overSockJs = device(alice, { transport: 'sockjs', SockJS });
  const overWebSocket = device(alice);
  await Promise.all([overSockJs.start(), overWebSocket.start()]);

  await overSockJs.send(conversation, { text: 'via sockjs' }).sent;
  await eventually(() => overWebSocket.conversations()[0]?.lastMessages.some((m) => m.body.text === 'via sockjs'), 'arrives on the other device');
  await overWebSocket.send(conversation, { text: 'back' }).sent;
  await eventually(() => overSockJs.conversations()[0]?.lastMessages.some((m) => m.body.text === 'back'), 'and back');

  await overWebSocket.devices.revoke(overSockJs.deviceId!);
  await eventually(() => overSockJs.state === 'revoked', 'the SockJS device is revoked');
  await new Promise((resolve) => setTimeout(resolve, 300));
  assert.equal(overSockJs.state, 'revoked', 'and stays revoked, with no reconnect');
});
