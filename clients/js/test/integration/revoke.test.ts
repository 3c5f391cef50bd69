import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { memoryStore } from '../../src/store_memory.js';
import { createGroup, eventually, newUser } from '../support/env.js';
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

test('unlinking after drain revokes the laptop once it has caught up, and a caught-up device at once', async () => {
  const alice = newUser('alice');
  const conversation = await createGroup([alice, newUser('bob')]);
  const phone = device(alice);
  const laptop = device(alice);
  const tablet = device(alice);
  await Promise.all([phone.start(), laptop.start(), tablet.start()]);
  laptop.disconnect();
  const { seq } = await phone.send(conversation, { text: 'the laptop has not seen this' }).sent;

  const { drain } = await phone.devices.revoke(laptop.deviceId!, { afterDrain: true });
  assert.ok(drain && drain.upTo >= seq, 'drains up to the head, past the message the laptop missed');
  assert.ok(drain.deadline > Date.now());
  const waiting = (await phone.devices.list()).find((d) => d.deviceId === laptop.deviceId);
  assert.deepEqual(waiting?.drain, drain, 'listed with its drain while it waits');

  laptop.connect();
  await eventually(() => laptop.state === 'revoked', 'the laptop is revoked once it has acknowledged');
  assert.ok(laptop.cursor === 0, 'its store was wiped after the catch-up');
  assert.ok(!(await phone.devices.list()).some((d) => d.deviceId === laptop.deviceId));

  await tablet.synced();
  assert.deepEqual(await phone.devices.revoke(tablet.deviceId!, { afterDrain: true }), { drain: null }, 'nothing left to drain');
  await eventually(() => tablet.state === 'revoked', 'the tablet is revoked at once');
});
