import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { after, test } from 'node:test';
import type { Page } from 'playwright-core';
import { openBrowser } from '../support/browser.js';
import { serverUrl } from '../support/env.js';

const SCREENSHOTS = new URL('../../../test-results/', import.meta.url).pathname;
const browser = await openBrowser();
after(() => browser.close());

const card = (page: Page, device: string) => page.locator(`[data-device="${device}"]`);
const field = (page: Page, device: string, name: string) => card(page, device).locator(`[data-field="${name}"]`);
const press = (page: Page, device: string, action: string) => card(page, device).locator(`[data-action="${action}"]`).click();

async function expectText(page: Page, device: string, name: string, expected: string | RegExp): Promise<void> {
  const locator = field(page, device, name);
  const deadline = Date.now() + 10_000;
  for (;;) {
    const text = await locator.innerText();
    if (typeof expected === 'string' ? text === expected : expected.test(text)) return;
    if (Date.now() > deadline) assert.fail(`${device} ${name} is "${text}", expected ${expected}`);
    await page.waitForTimeout(50);
  }
}

async function send(page: Page, device: string, text: string): Promise<void> {
  await field(page, device, 'input').fill(text);
  await press(page, device, 'send');
}

test('the playground: send, read, offline catch-up, kill and restart, settings, revoke', async () => {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const page = await browser.context.newPage();
  const session = Math.random().toString(36).slice(2, 8);
  await page.goto(`${serverUrl()}/playground?session=${session}`);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 30_000 });
  for (const device of ['alice-phone', 'alice-laptop', 'alice-tablet', 'bob-laptop']) await expectText(page, device, 'state', 'live');

  await send(page, 'alice-phone', 'hello from the phone');
  for (const device of ['alice-laptop', 'alice-tablet', 'bob-laptop']) await expectText(page, device, 'messages', /hello from the phone/);
  await expectText(page, 'bob-laptop', 'badge', '1');
  await expectText(page, 'alice-laptop', 'badge', '0');

  await send(page, 'bob-laptop', 'hi alice');
  for (const device of ['alice-phone', 'alice-laptop', 'alice-tablet']) await expectText(page, device, 'badge', '1');
  await press(page, 'alice-tablet', 'read');
  for (const device of ['alice-phone', 'alice-laptop', 'alice-tablet']) await expectText(page, device, 'badge', '0');

  await press(page, 'alice-laptop', 'offline');
  await expectText(page, 'alice-laptop', 'state', 'offline');
  await send(page, 'bob-laptop', 'while you were away');
  await expectText(page, 'alice-phone', 'messages', /while you were away/);
  const behind = Number(await field(page, 'alice-laptop', 'cursor').innerText());
  assert.ok(behind < Number(await field(page, 'alice-laptop', 'head').innerText()), 'the offline laptop is behind the head');
  await page.screenshot({ path: `${SCREENSHOTS}playground-offline.png` });
  await press(page, 'alice-laptop', 'online');
  await expectText(page, 'alice-laptop', 'messages', /while you were away/);
  await expectText(page, 'alice-laptop', 'cursor', await field(page, 'alice-phone', 'cursor').innerText());

  const tabletId = await field(page, 'alice-tablet', 'device-id').innerText();
  await press(page, 'alice-tablet', 'kill');
  await expectText(page, 'alice-tablet', 'state', 'killed');
  await send(page, 'bob-laptop', 'during the restart');
  await press(page, 'alice-tablet', 'restart');
  await expectText(page, 'alice-tablet', 'state', 'live');
  await expectText(page, 'alice-tablet', 'device-id', tabletId);
  await expectText(page, 'alice-tablet', 'messages', /during the restart/);

  await press(page, 'alice-phone', 'mute-account');
  for (const device of ['alice-phone', 'alice-laptop', 'alice-tablet']) await expectText(page, device, 'muted', 'true');
  await press(page, 'alice-laptop', 'mute-device');
  await expectText(page, 'alice-laptop', 'muted', 'false');
  await page.waitForTimeout(300);
  assert.equal(await field(page, 'alice-phone', 'muted').innerText(), 'true', 'a device setting stays on its device');
  await press(page, 'alice-tablet', 'sound');
  await expectText(page, 'alice-tablet', 'sound', 'chime');
  assert.equal(await field(page, 'alice-phone', 'sound').innerText(), 'default');

  await press(page, 'bob-laptop', 'revoke');
  await expectText(page, 'bob-laptop', 'state', 'revoked');
  await page.screenshot({ path: `${SCREENSHOTS}playground.png` });
  await page.close();
});
