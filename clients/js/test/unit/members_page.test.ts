import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fakeClient } from '../support/fake_client.js';

test('client.members pages GET /v1/conversations/{cid}/members with the token', async () => {
  const { client } = fakeClient({ getToken: () => 'the-token' });
  const calls: Array<{ url: string; authorization: string | null }> = [];
  const realFetch = globalThis.fetch;
  globalThis.fetch = (async (url: string, init: RequestInit) => {
    calls.push({ url: String(url), authorization: new Headers(init.headers).get('Authorization') });
    return new Response(JSON.stringify({ members: ['carol', 'dave'], has_more: true, member_count: 1500 }), { status: 200 });
  }) as typeof fetch;
  try {
    const page = await client.members('big room', { after: 'bob', limit: 2 });
    assert.deepEqual(page, { members: ['carol', 'dave'], hasMore: true, memberCount: 1500 });
    await client.members('c1');
  } finally {
    globalThis.fetch = realFetch;
  }
  assert.deepEqual(calls, [
    { url: 'http://fake.invalid/v1/conversations/big%20room/members?after=bob&limit=2', authorization: 'Bearer the-token' },
    { url: 'http://fake.invalid/v1/conversations/c1/members', authorization: 'Bearer the-token' },
  ]);
});

test('client.members throws the server\'s error code', async () => {
  const { client } = fakeClient();
  const realFetch = globalThis.fetch;
  globalThis.fetch = (async () => new Response(JSON.stringify({ code: 'not_member', message: 'not yours' }), { status: 403 })) as typeof fetch;
  try {
    await assert.rejects(client.members('c1'), { code: 'not_member' });
  } finally {
    globalThis.fetch = realFetch;
  }
});
