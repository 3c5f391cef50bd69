import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { newUser } from '../support/env.js';
import { device, stopAll } from '../support/real_clients.js';
import { token } from '../support/tokens.js';

after(stopAll);

test('an expired token is refreshed through getToken and the same device carries on', async () => {
  const alice = newUser('alice');
  const handed: string[] = [];
  const client = device(alice, {
    getToken: () => {
      const next = handed.length === 1 ? token(alice, -120) : token(alice);
      handed.push(next);
      return next;
    },
  });
  const states: string[] = [];
  client.on('state', (change) => states.push(change.state));
  await client.start();
  const deviceId = client.deviceId;
  client.disconnect();
  client.connect();
  await new Promise<void>((resolve) => {
    const off = client.on('state', (change) => {
      if (change.state === 'live') {
        off();
        resolve();
      }
    });
  });
  assert.equal(handed.length, 3, 'initial token, the expired one, and its refresh');
  assert.equal(client.deviceId, deviceId);
  assert.ok(!states.includes('unauthorized'));
});

test('a token the server never accepts ends in unauthorized, without a reconnect loop', async () => {
  let calls = 0;
  const client = device(newUser('mallory'), { getToken: () => {
    calls++;
    return 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJtIn0.bad';
  } });
  client.on('error', () => undefined);
  await assert.rejects(client.start(), { code: 'unauthorized' });
  assert.equal(client.state, 'unauthorized');
  const settled = calls;
  await new Promise((resolve) => setTimeout(resolve, 700));
  assert.equal(calls, settled, 'no more attempts');
});
