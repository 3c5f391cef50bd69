/**
 * Large conversations read as streams (docs/protocol.md, "Large conversations"): each stream has
 * its own position, the last conv_seq applied and stored, apart from the user log's cursor. These
 * functions decide whether an event is the next one, a repeat or past a gap, move a position where
 * the server says a stream starts or continues (reporting where the local history of the
 * conversation may have a hole), and keep a stream's unread count.
 */

import type { ConversationRecord, SyncState } from './sync_state.js';
import type { StreamReset } from './types.js';

export type EventOrder = 'next' | 'repeat' | 'gap';

/** Where an event stands after the user log's cursor or a stream's position (undefined: a stream not known yet starts at it). */
export function orderAfter(position: number | undefined, seq: number): EventOrder {
  if (position === undefined || seq === position + 1) return 'next';
  return seq <= position ? 'repeat' : 'gap';
}

/**
 * The positions welcome lists (the last conv_seq this device acked in each stream): a stream new to
 * the device starts there; one whose server position is past the local one continues after it, so
 * the messages in between are a hole. Answers the holes.
 */
export function adoptWelcomePositions(state: SyncState, streams: Array<Record<string, any>>): StreamReset[] {
  const holes: StreamReset[] = [];
  for (const wire of streams) {
    const id: string = wire.conversation_id;
    const position = Number(wire.position);
    if (state.streams[id] === undefined) state.streams[id] = position;
    const hole = continueAfter(state, id, position);
    if (hole) holes.push(hole);
  }
  return holes;
}

/**
 * The stream continues after head (stream_reset): the position jumps there. Messages between the
 * old position and head were never applied; those above the read cursor are counted unread (the
 * badge stays an upper bound until the next read_state). Answers the hole, if there is one.
 */
export function continueAfter(state: SyncState, id: string, head: number): StreamReset | undefined {
  const from = state.streams[id] ?? 0;
  if (head <= from) return undefined;
  state.streams[id] = head;
  const conversation = state.conversations[id];
  if (conversation) {
    conversation.unread += Math.max(0, head - Math.max(from, conversation.readUpTo));
    conversation.head = Math.max(conversation.head, head);
  }
  return { conversationId: id, from, head };
}

/** A group became a stream: messages from stream_from on arrive through the stream only. */
export function startStream(state: SyncState, id: string, streamFrom: number): void {
  state.streams[id] = Math.max(state.streams[id] ?? 0, streamFrom - 1);
}

/**
 * A read_state of a stream: it comes through the user log, the stream's messages through the
 * stream, so its unread count is of another moment. The read cursor is taken from it (it never goes
 * back; an own message applied since may be past it), and every message applied above it is unread
 * (own messages move the cursor to themselves).
 */
export function readStream(conversation: ConversationRecord, readUpTo: number, position: number): void {
  conversation.readUpTo = Math.max(conversation.readUpTo, readUpTo);
  conversation.unread = Math.max(0, position - conversation.readUpTo);
}
