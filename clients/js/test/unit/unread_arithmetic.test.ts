import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applyEvent } from '../../src/apply_event.js';
import { applySnapshot } from '../../src/apply_snapshot.js';
import { emptyState } from '../../src/sync_state.js';
import { badgeShare, totalUnread } from '../../src/unread.js';
import { conversationSnapshot, messageEvent } from '../support/fake_server.js';

function aliceState() {
  const state = emptyState();
  state.userId = 'alice';
  state.deviceId = 'alice-phone';
  return applySnapshot(state, { head: 10, conversations: [conversationSnapshot('c1', 3, 1), conversationSnapshot('c2', 0, 0)] }, 50);
}

test('a marked-unread conversation counts at least 1 in the badge', () => {
  assert.equal(badgeShare(0, true), 1);
  assert.equal(badgeShare(4, true), 4);
  assert.equal(badgeShare(2, false), 2);
});

test('messages from others above read_up_to add one each; your own clear the conversation', () => {
  const state = aliceState();
  assert.equal(totalUnread(Object.values(state.conversations)), 2);
  applyEvent(state, messageEvent(11, 'c1', 4, 'bob'), 50);
  applyEvent(state, messageEvent(12, 'c2', 1, 'bob'), 50);
  assert.equal(state.conversations.c1.unread, 3);
  assert.equal(totalUnread(Object.values(state.conversations)), 4);
  applyEvent(state, messageEvent(13, 'c1', 5, 'alice'), 50);
  assert.equal(state.conversations.c1.unread, 0);
  assert.equal(state.conversations.c1.readUpTo, 5);
  assert.equal(totalUnread(Object.values(state.conversations)), 1);
});

test('read_state events are taken as they are, and the badge matches the server\'s total_unread', () => {
  const state = aliceState();
  applyEvent(state, messageEvent(11, 'c2', 1, 'bob'), 50);
  applyEvent(state, { seq: 12, kind: 'read_state', ts: 1, data: { conversation_id: 'c1', read_up_to: 3, unread: 0, marked_unread: true, total_unread: 2 } }, 50);
  assert.equal(state.conversations.c1.markedUnread, true);
  assert.equal(totalUnread(Object.values(state.conversations)), 2);
  assert.equal(state.serverTotalUnread, 2);
});

test('an own message clears marked_unread; a message from others keeps it', () => {
  const state = aliceState();
  state.conversations.c1.markedUnread = true;
  applyEvent(state, messageEvent(11, 'c1', 4, 'bob'), 50);
  assert.equal(state.conversations.c1.markedUnread, true);
  applyEvent(state, messageEvent(12, 'c1', 5, 'alice'), 50);
  assert.equal(state.conversations.c1.markedUnread, false);
});

test('joining a conversation starts it read at its head; leaving drops it from the badge', () => {
  const state = aliceState();
  applyEvent(state, { seq: 11, kind: 'conversation', ts: 1, data: { action: 'member_added', user_id: 'alice',
    conversation: { conversation_id: 'c3', kind: 'group', title: 't', members: ['alice', 'bob'], head: 9 } } }, 50);
  assert.equal(state.conversations.c3.unread, 0);
  assert.equal(state.conversations.c3.readUpTo, 9);
  applyEvent(state, { seq: 12, kind: 'conversation', ts: 1, data: { action: 'member_removed', user_id: 'alice',
    conversation: { conversation_id: 'c1', kind: 'group', title: 't', members: ['bob'], head: 3 } } }, 50);
  assert.equal(state.conversations.c1, undefined);
  assert.equal(totalUnread(Object.values(state.conversations)), 0);
});
