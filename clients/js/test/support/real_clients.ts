/** Clients of the real test server: a device of a user, with its own store, and the server's view of the user. */

import { createClient, type LockstepClient } from '../../src/client.js';
import { memoryStore } from '../../src/store_memory.js';
import type { Store } from '../../src/store.js';
import type { ClientOptions } from '../../src/types.js';
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
