/** The server the test runner started for this run, and helpers every integration test uses. */

import { API_KEY } from './server.js';

export function serverUrl(): string {
  const url = process.env.LOCKSTEP_SDK_TEST_URL;
  if (!url) throw new Error('LOCKSTEP_SDK_TEST_URL is not set: run the tests with npm test');
  return url;
}

/** A user id no other test uses. */
export function newUser(name: string): string {
  return `${name}-${Math.random().toString(36).slice(2, 8)}`;
}

/** The server API (API key): creates a group and answers its id. */
export async function createGroup(members: string[], title = 'test group'): Promise<string> {
  const response = await serverApi('POST', '/v1/server/conversations', { kind: 'group', members, title });
  return (response.conversation as { conversation_id: string }).conversation_id;
}

export async function serverApi(method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
  const response = await fetch(`${serverUrl()}${path}`, {
    method,
    headers: { Authorization: `Bearer ${API_KEY}`, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const reply = (await response.json()) as Record<string, unknown>;
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(reply)}`);
  return reply;
}

/** Waits until check() is truthy, polling; fails with the description after the timeout. */
export async function eventually<T>(check: () => T | Promise<T>, description: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${description}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
