import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applySnapshot } from '../../src/apply_snapshot.js';
import { emptyState } from '../../src/sync_state.js';
import { conversationSnapshot } from '../support/fake_server.js';

test('a snapshot builds the state and puts the cursor at its head, not at welcome.cursor', () => {
  const before = emptyState();
  before.deviceId = 'd1';
  const conversation = { ...conversationSnapshot('c1', 2, 1), last_messages: [
    { conversation_id: 'c1', conv_seq: 1, sender: { user_id: 'bob', device_id: 'b' }, body: { text: 'a' }, ts: 10 },
    { conversation_id: 'c1', conv_seq: 2, sender: { user_id: 'alice', device_id: 'd1' }, body: { text: 'b' }, client_msg_id: 'x', ts: 11 },
  ] };
  const state = applySnapshot(before, {
    head: 42, conversations: [conversation], total_unread: 1,
    settings: { account: { 'privacy.read_receipts': { value: false, version: 2, hlc: 117702546948669441n, device_id: 'd1' } }, device: {}, effective: { 'privacy.read_receipts': false }, server_hlc: 117702546948669999n },
  }, 50);
  assert.equal(state.cursor, 42);
  assert.equal(state.deviceId, 'd1');
  assert.equal(state.baseline, true);
  assert.equal(state.conversations.c1.unread, 1);
  assert.deepEqual(state.conversations.c1.lastMessages.map((m) => m.convSeq), [1, 2]);
  assert.equal(state.conversations.c1.lastMessages[1].clientMsgId, 'x');
  assert.equal(state.settings.account['privacy.read_receipts'].hlc, '117702546948669441');
  assert.equal(state.hlc, '117702546948669999');
});

test('a snapshot replaces everything that was there', () => {
  const before = applySnapshot(emptyState(), { head: 5, conversations: [conversationSnapshot('old', 1, 0)] }, 50);
  const after = applySnapshot(before, { head: 9, conversations: [conversationSnapshot('new', 1, 1)] }, 50);
  assert.deepEqual(Object.keys(after.conversations), ['new']);
});
