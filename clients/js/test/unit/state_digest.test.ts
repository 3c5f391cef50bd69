import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applyEvent } from '../../src/apply_event.js';
import { applySnapshot } from '../../src/apply_snapshot.js';
import { DigestHasher, digestItems, holdRead, holdSetting } from '../../src/state_digest.js';
import { emptyState, type SyncState } from '../../src/sync_state.js';
import { itemHash, readItem, referenceDigest, settingItem } from '../support/digest.js';
import { conversationSnapshot, messageEvent, streamSnapshot } from '../support/fake_server.js';

const digestOf = (state: SyncState) => new DigestHasher().digest(digestItems(state));

function stateWith(conversations: Array<Record<string, unknown>>, account: Record<string, { value: unknown; version: number }> = {}): SyncState {
  const before = emptyState();
  before.userId = 'alice';
  return applySnapshot(before, { head: 10, conversations, settings: { account, device: {}, effective: {} } }, 50);
}

test('an empty state digests to sixteen zeros', async () => {
  assert.equal(referenceDigest([]), '0000000000000000');
  assert.equal(await digestOf(emptyState()), '0000000000000000');
});

test('one read conversation digests to the first eight bytes of SHA-256 of its item', async () => {
  const state = stateWith([conversationSnapshot('c1', 5, 3)]);
  const expected = itemHash('read\nc1\n3\n0').toString(16).padStart(16, '0');
  assert.equal(referenceDigest([readItem('c1', 3)]), expected);
  assert.equal(await digestOf(state), expected);
});

test('conversations at their default, streams and settings never written count for nothing', async () => {
  const state = stateWith([
    conversationSnapshot('unread', 4, 0), conversationSnapshot('marked', 4, 0, true), streamSnapshot('s1', 9, 9),
    conversationSnapshot('read', 4, 4),
  ], { 'profile.display_name': { value: 'Al', version: 2 }, 'privacy.read_receipts': { value: true, version: 0 } });
  assert.equal(await digestOf(state),
    referenceDigest([readItem('marked', 0, true), readItem('read', 4), settingItem('profile.display_name', 2)]));
});

test('the sum wraps around at 2^64', async () => {
  const keys = Array.from({ length: 40 }, (_, index) => `k${index}`);
  const high = keys.filter((key) => itemHash(settingItem(key, 1)) >= 2n ** 63n);
  assert.ok(high.length >= 2, 'two items whose hashes add up past 2^64');
  const [first, second] = high;
  const sum = itemHash(settingItem(first, 1)) + itemHash(settingItem(second, 1));
  assert.ok(sum >= 2n ** 64n);
  const state = stateWith([], { [first]: { value: 1, version: 1 }, [second]: { value: 1, version: 1 } });
  assert.equal(await digestOf(state), (sum - 2n ** 64n).toString(16).padStart(16, '0'));
});

test('the same hasher gives the right digest as items change (its cache does not go stale)', async () => {
  const state = stateWith([conversationSnapshot('c1', 5, 3), conversationSnapshot('c2', 5, 1)]);
  const hasher = new DigestHasher();
  assert.equal(await hasher.digest(digestItems(state)), referenceDigest([readItem('c1', 3), readItem('c2', 1)]));
  state.conversations.c1.readUpTo = 5;
  assert.equal(await hasher.digest(digestItems(state)), referenceDigest([readItem('c1', 5), readItem('c2', 1)]));
  state.conversations.c1.readUpTo = 3;
  assert.equal(await hasher.digest(digestItems(state)), referenceDigest([readItem('c1', 3), readItem('c2', 1)]));
});

test('the log rules: own messages move the read cursor, leaving drops the item, a conversion to a stream stops counting it', async () => {
  const state = stateWith([conversationSnapshot('c1', 2, 0, true), conversationSnapshot('c2', 2, 2)]);
  applyEvent(state, messageEvent(11, 'c1', 3, 'alice'), 50);
  applyEvent(state, messageEvent(12, 'c1', 4, 'bob'), 50);
  assert.equal(await digestOf(state), referenceDigest([readItem('c1', 3), readItem('c2', 2)]));
  applyEvent(state, { seq: 13, kind: 'conversation', ts: 1, data: { action: 'member_removed', user_id: 'alice', conversation: { conversation_id: 'c1', kind: 'group', members: ['bob'] } } }, 50);
  applyEvent(state, { seq: 14, kind: 'conversation', ts: 1, data: { action: 'converted', conversation: { conversation_id: 'c2', kind: 'group', stream: true, member_count: 3, stream_from: 3 } } }, 50);
  assert.equal(await digestOf(state), '0000000000000000');
});

test('a read made here counts as the log left it until its read_state arrives', async () => {
  const state = stateWith([conversationSnapshot('c1', 6, 2)]);
  holdRead(state, 'c1');
  Object.assign(state.conversations.c1, { readUpTo: 6, unread: 0 });
  applyEvent(state, messageEvent(11, 'c1', 7, 'alice'), 50);
  assert.equal(await digestOf(state), referenceDigest([readItem('c1', 7)]), 'an own message moves the held cursor too');
  applyEvent(state, { seq: 12, kind: 'read_state', ts: 1, data: { conversation_id: 'c1', read_up_to: 6, unread: 1, marked_unread: false, total_unread: 1 } }, 50);
  assert.deepEqual(state.logValues.reads, {});
  assert.equal(await digestOf(state), referenceDigest([readItem('c1', 6)]));
});

test('a settings reply ahead of its event counts the version the log has until the event', async () => {
  const state = stateWith([], { 'profile.display_name': { value: 'Al', version: 1 } });
  holdSetting(state, 'profile.display_name');
  state.settings.account['profile.display_name'].version = 2;
  assert.equal(await digestOf(state), referenceDigest([settingItem('profile.display_name', 1)]));
  applyEvent(state, { seq: 11, kind: 'settings', ts: 1, data: { key: 'profile.display_name', value: 'Alice', version: 2 } }, 50);
  assert.equal(await digestOf(state), referenceDigest([settingItem('profile.display_name', 2)]));
});
