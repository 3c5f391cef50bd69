import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import type { Page } from 'playwright-core';
import { openBrowser } from '../support/browser.js';
import { createGroup, eventually, newUser, serverUrl } from '../support/env.js';
import { device, stopAll } from '../support/real_clients.js';
import { token } from '../support/tokens.js';

const browser = await openBrowser();
after(async () => {
  await stopAll();
  await browser.close();
});

async function openTab(userToken: string): Promise<Page> {
  const page = await browser.context.newPage();
  await page.goto(`${serverUrl()}/playground/lockstep-client.js`);
  await page.evaluate(async (userToken) => {
    const sdk = await import('/playground/lockstep-client.js' as string);
    const client = sdk.createClient({ url: location.origin, getToken: () => userToken, store: sdk.indexedDbStore('tabs-test') });
    (window as any).client = client;
    await client.start();
  }, userToken);
  return page;
}

const probe = (page: Page) => page.evaluate(() => {
  const client = (window as any).client;
  return { leader: client.isLeader, deviceId: client.deviceId, state: client.state, texts: (client.conversations()[0]?.lastMessages ?? []).map((m: any) => m.body.text) };
});

test('two tabs share one device: one socket, sends through the leader, hand-over when the leader closes', async () => {
  const alice = newUser('alice');
  const bob = newUser('bob');
  const conversation = await createGroup([alice, bob]);
  const first = await openTab(token(alice));
  const second = await openTab(token(alice));
  const [a, b] = [await probe(first), await probe(second)];
  assert.deepEqual([a.leader, b.leader], [true, false], 'the first tab leads');
  assert.equal(b.deviceId, a.deviceId);
  assert.equal(b.state, 'live', 'the follower shows the leader\'s connection');

  const sent = await second.evaluate((conversation) => (window as any).client.send(conversation, { text: 'from the follower' }).sent, conversation);
  assert.ok(sent.seq > 0);
  const bobs = device(bob);
  await bobs.start();
  await bobs.send(conversation, { text: 'from bob' }).sent;
  await eventually(async () => (await probe(second)).texts.includes('from bob'), 'the follower sees bob\'s message');
  assert.deepEqual((await probe(first)).texts, ['from the follower', 'from bob']);

  await first.close();
  await eventually(async () => {
    const now = await probe(second);
    return now.leader && now.state === 'live';
  }, 'the second tab takes over and is live');
  assert.equal((await probe(second)).deviceId, a.deviceId, 'the same device, not a second one');
  const devices = await second.evaluate(() => (window as any).client.devices.list());
  assert.equal(devices.length, 1, 'the user has exactly one device');
  await bobs.send(conversation, { text: 'after hand-over' }).sent;
  await eventually(async () => (await probe(second)).texts.includes('after hand-over'), 'the new leader receives');
  await second.close();
});
