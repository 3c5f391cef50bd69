/** A client wired to a FakeServer, with short backoff so reconnects happen at once. */

import { createClient } from '../../src/client.js';
import { memoryStore } from '../../src/store_memory.js';
import type { Store } from '../../src/store.js';
import { conversationSnapshot, FakeServer, streamSnapshot } from './fake_server.js';

export function fakeClient(options: { store?: Store; getToken?: () => Promise<string> | string } = {}) {
  const server = new FakeServer();
  const store = options.store ?? memoryStore();
  let tokens = 0;
  const client = createClient({
    url: 'http://fake.invalid',
    getToken: options.getToken ?? (() => `token-${++tokens}`),
    store,
    WebSocket: server.WebSocket,
    backoff: { minMs: 1, maxMs: 5 },
  });
  return { client, server, store };
}

/** A fakeClient that has said hello and caught up (head as given), with its first socket. */
export async function liveFakeClient(options: Parameters<typeof fakeClient>[0] = {}, head = 0) {
  const setup = fakeClient(options);
  const started = setup.client.start();
  const socket = await setup.server.socket(1);
  await socket.greet({ head });
  socket.push({ type: 'synced', head });
  await started;
  return { ...setup, socket };
}

/** A live fakeClient whose user has the group c1 and the stream s1 (head and read cursor as given, position at head). */
export async function streamingFakeClient(options: Parameters<typeof fakeClient>[0] = {}, s1 = { head: 0, readUpTo: 0 }) {
  const setup = fakeClient(options);
  const started = setup.client.start();
  const socket = await setup.server.socket(1);
  await socket.greet({
    snapshot: { conversations: [conversationSnapshot('c1', 0, 0), streamSnapshot('s1', s1.head, s1.readUpTo)], total_unread: s1.head - s1.readUpTo },
    streams: [{ conversation_id: 's1', position: s1.head, head: s1.head }],
  });
  socket.push({ type: 'synced', head: 0 });
  socket.push({ type: 'synced', stream: 's1', head: s1.head });
  await started;
  return { ...setup, socket };
}
