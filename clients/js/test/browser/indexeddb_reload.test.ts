import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { openBrowser } from '../support/browser.js';
import { createGroup, newUser, serverUrl } from '../support/env.js';
import { token } from '../support/tokens.js';

const browser = await openBrowser();
after(() => browser.close());

test('IndexedDB keeps the device, its state and a queued send across a reload', async () => {
  const alice = newUser('alice');
  const conversation = await createGroup([alice, newUser('bob')]);
  const page = await browser.context.newPage();
  await page.goto(`${serverUrl()}/playground/lockstep-client.js`);
  const setup = `const sdk = await import('/playground/lockstep-client.js');
    window.client = sdk.createClient({ url: location.origin, getToken: () => TOKEN, store: sdk.indexedDbStore('reload-test') });
    await window.client.start();`;
  const first = await page.evaluate(async ({ setup, token, conversation }) => {
    await new Function('TOKEN', `return (async () => { ${setup} })()`)(token);
    const client = (window as any).client;
    await client.send(conversation, { text: 'sent online' }).sent;
    client.disconnect();
    const queued = client.send(conversation, { text: 'queued offline' });
    await queued.queued;
    return { deviceId: client.deviceId, cursor: client.cursor, pending: client.pending().length };
  }, { setup, token: token(alice), conversation });
  assert.equal(first.pending, 1);

  await page.reload();
  const second = await page.evaluate(async ({ setup, token, conversation }) => {
    await new Function('TOKEN', `return (async () => { ${setup} })()`)(token);
    const client = (window as any).client;
    const restored = client.conversations().find((c: any) => c.id === conversation);
    await client.synced();
    while (client.pending().length > 0) await new Promise((resolve) => setTimeout(resolve, 20));
    await client.synced();
    const texts = client.conversations().find((c: any) => c.id === conversation).lastMessages.map((m: any) => m.body.text);
    return { deviceId: client.deviceId, cursorAfterStart: client.cursor, restored: Boolean(restored), texts };
  }, { setup, token: token(alice), conversation });
  assert.equal(second.deviceId, first.deviceId, 'the same device after the reload');
  assert.ok(second.restored, 'the conversation came from the store');
  assert.deepEqual(second.texts, ['sent online', 'queued offline'], 'the queued send went out once');
  await page.close();
});
