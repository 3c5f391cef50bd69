/**
 * Unread arithmetic exactly as docs/protocol.md defines it, so the local badge equals the server's
 * total_unread: a conversation's share is its unread count, at least 1 when it is marked unread.
 */

import type { ConversationRecord } from './sync_state.js';

export function badgeShare(unread: number, markedUnread: boolean): number {
  return markedUnread ? Math.max(1, unread) : unread;
}

export function totalUnread(conversations: Iterable<ConversationRecord>): number {
  let total = 0;
  for (const conversation of conversations) total += badgeShare(conversation.unread, conversation.markedUnread);
  return total;
}

/** A message of the conversation's log arrived: its effect on the read state. */
export function countMessage(conversation: ConversationRecord, convSeq: number, fromSelf: boolean): void {
  if (fromSelf) {
    conversation.readUpTo = Math.max(conversation.readUpTo, convSeq);
    conversation.unread = 0;
    conversation.markedUnread = false;
  } else if (convSeq > conversation.readUpTo) {
    conversation.unread += 1;
  }
}

/** The optimistic effect of reading up to a conv_seq on this device (the server's answer follows). */
export function readLocally(conversation: ConversationRecord, upTo: number): void {
  if (upTo > conversation.readUpTo) {
    conversation.readUpTo = upTo;
    conversation.unread = Math.max(0, conversation.head - upTo);
  }
  conversation.markedUnread = false;
}
