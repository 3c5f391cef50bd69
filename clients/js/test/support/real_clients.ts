/** Clients of the real test server: a device of a user, with its own store, and the server's view of the user. */

import { createClient, type LockstepClient } from '../../src/client.js';
import { NodeWebSocket } from '../../src/node_websocket.js';
import { memoryStore } from '../../src/store_memory.js';
import type { Store } from '../../src/store.js';
import type { ClientOptions } from '../../src/types.js';
import { webSocketUrl } from '../../src/url.js';
import { serverUrl } from './env.js';
import { token } from './tokens.js';

const started: LockstepClient[] = [];

export function device(userId: string, options: Partial<ClientOptions> & { store?: Store } = {}): LockstepClient {
  const client = createClient({
    url: serverUrl(),
    getToken: () => token(userId),
    store: options.store ?? memoryStore(),
    backoff: { minMs: 50, maxMs: 500 },
    ...options,
  });
  started.push(client);
  return client;
}

/** Stops every client the test created. */
export async function stopAll(): Promise<void> {
  await Promise.all(started.splice(0).map((client) => client.stop().catch(() => undefined)));
}

/** The server's own answer: GET /v1/conversations for the user. */
export async function serverConversations(userId: string): Promise<{ total_unread: number; conversations: Array<Record<string, any>> }> {
  const response = await fetch(`${serverUrl()}/v1/conversations`, { headers: { Authorization: `Bearer ${token(userId)}` } });
  return (await response.json()) as { total_unread: number; conversations: Array<Record<string, any>> };
}

/** The welcome the server gives a device that says hello with streams: its stored positions, as the server holds them. */
export async function welcomeOf(userId: string, deviceId: string): Promise<Record<string, any>> {
  const socket = new NodeWebSocket(webSocketUrl(serverUrl()));
  try {
    return await new Promise((resolve, reject) => {
      socket.onopen = () => socket.send(JSON.stringify({ type: 'hello', token: token(userId), device_id: deviceId, streams: true }));
      socket.onmessage = (event) => {
        const frame = JSON.parse(String(event.data));
        if (frame.type === 'welcome') resolve(frame);
        if (frame.type === 'error') reject(new Error(`hello refused: ${frame.code}`));
      };
      socket.onclose = (event) => reject(new Error(`closed with ${event.code} before welcome`));
    });
  } finally {
    socket.close();
  }
}
