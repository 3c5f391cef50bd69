import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mostAttentive, watchPage, type PageLike } from '../../src/attention.js';
import { createClient } from '../../src/client.js';
import type { LockstepError } from '../../src/errors.js';
import { memoryStore } from '../../src/store_memory.js';
import type { Attention } from '../../src/types.js';
import { liveFakeClient } from '../support/fake_client.js';
import type { FakeSocket } from '../support/fake_server.js';

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const declared = (socket: FakeSocket) => socket.sent.filter((frame) => frame.type === 'attention').map((frame) => frame.state);

test('a host without a page declares nothing until it calls setAttention, then only changes, after they hold still', async () => {
  const { client, server, socket } = await liveFakeClient();
  await pause(300);
  assert.deepEqual(declared(socket), [], 'unknown until the app says');

  const asked = Date.now();
  client.setAttention('focused');
  const first = await socket.frame((frame) => frame.type === 'attention', 'the first attention');
  assert.ok(Date.now() - asked >= 240, 'debounced');
  socket.push({ type: 'result', id: first.id, attention: 'focused' });

  client.setAttention('background');
  client.setAttention('focused');
  client.setAttention('focused');
  await pause(400);
  assert.deepEqual(declared(socket), ['focused'], 'flapping back to what the server has sends nothing');

  client.setAttention('idle');
  await server.until(() => declared(socket).length === 2, 'the change to idle');
  assert.deepEqual(declared(socket), ['focused', 'idle']);
  assert.equal(client.attention, 'idle');
  await client.stop();
});

test('attention is declared again right after every welcome', async () => {
  const { client, server, socket } = await liveFakeClient();
  client.setAttention('background');
  await server.until(() => declared(socket).length === 1, 'the first declaration');
  socket.closeFromServer(1001);
  const next = await server.socket(2);
  await next.greet();
  await server.until(() => declared(next).length === 1, 'declared on the new connection');
  assert.deepEqual(declared(next), ['background']);
  const hello = next.sent.findIndex((frame) => frame.type === 'hello');
  assert.ok(next.sent.findIndex((frame) => frame.type === 'attention') > hello);
  await client.stop();
});

test('bad attention is refused with a clear error and nothing is sent', async () => {
  const { client, socket } = await liveFakeClient();
  assert.throws(() => client.setAttention('away' as Attention), (error: LockstepError) =>
    error.code === 'invalid_field' && /'focused', 'background' or 'idle'/.test(error.message));
  assert.throws(() => createClient({ url: 'http://x.invalid', getToken: () => 't', store: memoryStore(), attention: { idleAfterMs: 0 } }),
    (error: LockstepError) => error.code === 'invalid_field' && /idleAfterMs/.test(error.message));
  await pause(300);
  assert.deepEqual(declared(socket), []);
  await client.stop();
});

test('a server that does not know attention (unknown_type) is no error, and is not told again on that connection', async () => {
  const { client, socket } = await liveFakeClient();
  const errors: LockstepError[] = [];
  client.on('error', (error) => errors.push(error));
  client.setAttention('focused');
  const frame = await socket.frame((f) => f.type === 'attention', 'the attention');
  socket.push({ type: 'error', id: frame.id, code: 'unknown_type', message: 'unknown type attention' });
  await pause(10);
  client.setAttention('idle');
  await pause(400);
  assert.deepEqual(declared(socket), ['focused']);
  assert.deepEqual(errors, []);
  await client.stop();
});

test('the most attentive of several wins', () => {
  assert.equal(mostAttentive(['idle', 'focused', 'background']), 'focused');
  assert.equal(mostAttentive([undefined, 'idle', 'background']), 'background');
  assert.equal(mostAttentive([undefined]), undefined);
});

/** A page whose visibility and focus the test sets. */
function fakePage() {
  const document = Object.assign(new EventTarget(), { visibilityState: 'visible', focused: true, hasFocus: () => document.focused });
  const page = Object.assign(new EventTarget(), { document });
  const fire = (target: EventTarget, name: string) => target.dispatchEvent(new Event(name));
  return { page: page as unknown as PageLike, document, fire: (name: string) => fire(name === 'visibilitychange' ? document : page, name) };
}

test('a page is focused while in front and used, idle in front without input, background when hidden or blurred', async () => {
  const { page, document, fire } = fakePage();
  const seen: Array<Attention | undefined> = [];
  const stop = watchPage((state) => seen.push(state), 120, page);
  assert.deepEqual(seen, ['focused']);
  document.focused = false;
  fire('blur');
  document.focused = true;
  fire('focus');
  document.visibilityState = 'hidden';
  fire('visibilitychange');
  assert.deepEqual(seen, ['focused', 'background', 'focused', 'background']);
  await pause(200);
  assert.deepEqual(seen.slice(4), [], 'a hidden page stays background');

  document.visibilityState = 'visible';
  fire('visibilitychange');
  await pause(200);
  assert.deepEqual(seen.slice(4), ['focused', 'idle'], 'in front without input for idleAfterMs');
  fire('pointermove');
  assert.deepEqual(seen.slice(6), ['focused'], 'input ends idle');
  await pause(60);
  fire('keydown');
  await pause(80);
  assert.deepEqual(seen.slice(7), [], 'input keeps it focused past idleAfterMs from the earlier input');

  fire('pagehide');
  assert.equal(seen[seen.length - 1], undefined, 'a page going away declares nothing any more');
  stop();
  const count = seen.length;
  fire('focus');
  await pause(150);
  assert.equal(seen.length, count, 'stopped watching');
});
