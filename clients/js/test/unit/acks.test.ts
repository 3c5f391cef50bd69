import assert from 'node:assert/strict';
import { test } from 'node:test';
import { memoryStore } from '../../src/store_memory.js';
import { fakeClient } from '../support/fake_client.js';
import { conversationSnapshot, messageEvent } from '../support/fake_server.js';

test('acks go out only after the events are in the store, one per write', async () => {
  const inner = memoryStore();
  let release: () => void = () => undefined;
  let holding = false;
  const store = { ...inner, set: async (key: string, value: unknown) => {
    if (holding && key === 'sync') await new Promise<void>((resolve) => (release = resolve));
    return inner.set(key, value);
  } };
  const { client, server } = fakeClient({ store });
  const started = client.start();
  const socket = await server.socket(1);
  await socket.greet({ snapshot: { conversations: [conversationSnapshot('c1', 0, 0)] } });
  socket.push({ type: 'synced', head: 0 });
  await started;
  holding = true;
  socket.push({ type: 'events', events: [messageEvent(1, 'c1', 1, 'bob'), messageEvent(2, 'c1', 2, 'bob'), messageEvent(3, 'c1', 3, 'bob')] });
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.equal(socket.sent.filter((f) => f.type === 'ack' && f.up_to > 0).length, 0, 'nothing acked before the write');
  holding = false;
  release();
  const ack = await socket.frame((f) => f.type === 'ack' && f.up_to === 3);
  assert.equal(ack.id, undefined, 'acks are fire-and-forget');
  assert.equal(socket.sent.filter((f) => f.type === 'ack' && f.up_to > 0).length, 1, 'three events, one ack');
  await client.stop();
});
