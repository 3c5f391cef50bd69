import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { parseFrame } from '../../src/wire_json.js';
import { createGroup, eventually, newUser, serverUrl } from '../support/env.js';
import { API_KEY } from '../support/server.js';
import { device, stopAll } from '../support/real_clients.js';

after(stopAll);

test('account settings reach every device; a device override stays on its device', async () => {
  const alice = newUser('alice');
  const conversation = await createGroup([alice, newUser('bob')]);
  const key = `conversation.${conversation}.muted`;
  const phone = device(alice);
  const laptop = device(alice);
  await Promise.all([phone.start(), laptop.start()]);
  assert.equal(phone.settings.get(key), undefined);

  const written = await phone.settings.set(key, true);
  assert.equal(written.version, 1);
  await eventually(() => laptop.settings.get(key) === true, 'the laptop sees the account value');

  const own = await laptop.settings.set(key, false, { scope: 'device' });
  assert.equal(own.effective, false);
  assert.equal(laptop.settings.get(key), false);
  await phone.settings.set(key, true);
  await laptop.synced();
  assert.equal(laptop.settings.get(key), false, 'the override shadows later account writes');
  assert.equal(phone.settings.get(key), true);

  await laptop.settings.set('notifications.sound', 'chime', { scope: 'device' });
  assert.equal(laptop.settings.get('notifications.sound'), 'chime');
  await phone.synced();
  assert.notEqual(phone.settings.get('notifications.sound'), 'chime', 'device settings stay on their device');
});

test('the HLC stamp the server stored is exactly the one the client holds', async () => {
  const alice = newUser('alice');
  const phone = device(alice);
  await phone.start();
  const written = await phone.settings.set('profile.display_name', 'Alice');
  assert.ok(typeof written.hlc === 'bigint' && written.hlc > 2n ** 53n);
  const response = await fetch(`${serverUrl()}/v1/server/users/${alice}/settings/profile.display_name`, {
    headers: { Authorization: `Bearer ${API_KEY}` },
  });
  const stored = parseFrame(await response.text());
  assert.equal(stored.hlc, written.hlc);
});
