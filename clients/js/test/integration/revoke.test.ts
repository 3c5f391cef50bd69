import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { memoryStore } from '../../src/store_memory.js';
import { eventually, newUser } from '../support/env.js';
import { device, stopAll } from '../support/real_clients.js';

after(stopAll);

test('revoking a device from another closes it, wipes its store and keeps it revoked', async () => {
  const alice = newUser('alice');
  const phone = device(alice);
  const store = memoryStore();
  const laptop = device(alice, { store });
  await Promise.all([phone.start(), laptop.start()]);
  const laptopId = laptop.deviceId!;
  assert.equal((await phone.devices.list()).length, 2);

  await phone.devices.revoke(laptopId);
  await eventually(() => laptop.state === 'revoked', 'the laptop is revoked');
  await eventually(async () => (await store.get('sync')) === undefined, 'its store is wiped');
  assert.equal((await store.list('')).length, 0);
  const listed = await phone.devices.list();
  assert.ok(!listed.some((d) => d.deviceId === laptopId), 'the phone no longer lists it');
  assert.ok(listed.find((d) => d.deviceId === phone.deviceId)?.current);
  await new Promise((resolve) => setTimeout(resolve, 300));
  assert.equal(laptop.state, 'revoked', 'no reconnect');
});
