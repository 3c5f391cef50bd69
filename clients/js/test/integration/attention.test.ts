import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { eventually, newUser, serverApi } from '../support/env.js';
import { device, stopAll } from '../support/real_clients.js';

after(stopAll);

/** The device's entry in the presence API (server API key): where it is connected and its attention. */
async function presenceOf(userId: string, deviceId: string): Promise<Record<string, any> | undefined> {
  const reply = await serverApi('GET', `/v1/presence/${userId}`);
  return (reply.devices as Array<Record<string, any>>).find((entry) => entry.device_id === deviceId);
}

test('attention set on a Node client reaches the server, and is declared again after a reconnect', async () => {
  const alice = newUser('alice');
  const phone = device(alice);
  await phone.start();
  const id = phone.deviceId!;
  assert.equal((await presenceOf(alice, id))?.presence?.attention, undefined, 'nothing declared: unknown');

  const before = Date.now();
  phone.setAttention('focused');
  await eventually(async () => (await presenceOf(alice, id))?.presence?.attention === 'focused', 'presence shows focused');
  const [focused] = await phone.devices.list();
  assert.equal(focused.attention, 'focused');
  assert.ok(focused.lastAttentive! >= before - 1000 && focused.attentionAt! >= before - 1000, 'focused and declared just now');

  phone.setAttention('background');
  await eventually(async () => (await presenceOf(alice, id))?.presence?.attention === 'background', 'presence shows background');
  const [background] = await phone.devices.list();
  assert.equal(background.attention, 'background');
  assert.ok(background.lastAttentive! >= focused.lastAttentive!, 'last focused when it went to the background');
  phone.disconnect();
  await eventually(async () => (await presenceOf(alice, id))?.presence == null, 'offline');
  phone.connect();
  await phone.synced();
  await eventually(async () => (await presenceOf(alice, id))?.presence?.attention === 'background', 'declared again after welcome');
  const [again] = await phone.devices.list();
  assert.equal(again.lastAttentive, background.lastAttentive, 'a background device does not move its last focused time');
});
