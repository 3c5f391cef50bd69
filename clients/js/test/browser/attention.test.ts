import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import type { Page } from 'playwright-core';
import { openBrowser } from '../support/browser.js';
import { eventually, newUser, serverApi, serverUrl } from '../support/env.js';
import { token } from '../support/tokens.js';

const browser = await openBrowser();
after(() => browser.close());

/** A tab of the SDK whose visibility and focus the test decides (a headless browser has neither). */
async function openTab(userToken: string): Promise<Page> {
  const page = await browser.context.newPage();
  await page.addInitScript(() => {
    const tab = window as any;
    tab.testVisibility = 'hidden';
    tab.testFocus = false;
    Object.defineProperty(Document.prototype, 'visibilityState', { configurable: true, get: () => tab.testVisibility });
    Document.prototype.hasFocus = () => tab.testFocus;
  });
  await page.goto(`${serverUrl()}/playground/lockstep-client.js`);
  await page.evaluate(async (userToken) => {
    const sdk = await import('/playground/lockstep-client.js' as string);
    const client = sdk.createClient({ url: location.origin, getToken: () => userToken, store: sdk.indexedDbStore('attention-test') });
    (window as any).client = client;
    await client.start();
  }, userToken);
  return page;
}

/** The user brings the tab to the front (or leaves it): the browser's events, as a real one sends them. */
const show = (page: Page, inFront: boolean) => page.evaluate((inFront) => {
  const tab = window as any;
  tab.testVisibility = inFront ? 'visible' : 'hidden';
  tab.testFocus = inFront;
  document.dispatchEvent(new Event('visibilitychange'));
  window.dispatchEvent(new Event(inFront ? 'focus' : 'blur'));
}, inFront);

async function attentionOf(userId: string): Promise<string | undefined> {
  const reply = await serverApi('GET', `/v1/presence/${userId}`);
  const devices = reply.devices as Array<Record<string, any>>;
  assert.equal(devices.length, 1, 'the tabs share one device');
  return devices[0].presence?.attention;
}

test('tabs sharing a device declare the most attentive of them, from the page\'s own visibility and focus', async () => {
  const alice = newUser('alice');
  const leader = await openTab(token(alice));
  const follower = await openTab(token(alice));
  assert.deepEqual(await Promise.all([leader, follower].map((tab) => tab.evaluate(() => (window as any).client.isLeader))), [true, false]);
  await eventually(async () => (await attentionOf(alice)) === 'background', 'both hidden: background');

  await show(follower, true);
  await eventually(async () => (await attentionOf(alice)) === 'focused', 'the follower in front makes the device focused');
  await show(follower, false);
  await eventually(async () => (await attentionOf(alice)) === 'background', 'and background when it leaves');

  await show(leader, true);
  await eventually(async () => (await attentionOf(alice)) === 'focused', 'the leader in front');
  await leader.close();
  await eventually(async () => (await follower.evaluate(() => (window as any).client.isLeader)) && (await attentionOf(alice)) === 'background',
    'the hidden follower takes over the socket and declares background');
  await follower.close();
});
