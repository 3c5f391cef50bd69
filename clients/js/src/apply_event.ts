/**
 * Applies one event of the user's log or of a stream to the local state, as docs/protocol.md
 * defines each kind, and says what it changed. The caller guarantees order: this is event cursor + 1,
 * or the stream's position + 1. A message whose conv_seq the conversation already holds (from a
 * snapshot, or across a switch to a stream) is neither stored nor counted again.
 */

import { conversationFromWire, messageFromWire } from './apply_snapshot.js';
import { readStream, startStream } from './streams.js';
import type { ConversationRecord, MessageRecord, SyncState } from './sync_state.js';
import type { SyncEvent } from './types.js';
import { countMessage } from './unread.js';

export interface Applied {
  message?: MessageRecord;
  readState?: { conversationId: string; readUpTo: number; unread: number; markedUnread: boolean; totalUnread: number };
  /** This device was revoked by the event. */
  revokedSelf?: boolean;
  settingKey?: string;
}

export function applyEvent(state: SyncState, event: SyncEvent, keepMessages: number): Applied {
  if (event.stream === undefined) state.cursor = event.seq;
  else state.streams[event.stream] = event.seq;
  const data = event.data;
  switch (event.kind) {
    case 'message':
      return { message: applyMessage(state, data, event, keepMessages) };
    case 'conversation':
      applyMembership(state, data);
      return {};
    case 'read_state': {
      const conversation = state.conversations[data.conversation_id];
      delete state.logValues.reads[data.conversation_id];
      const position = state.streams[data.conversation_id];
      if (conversation?.stream && position !== undefined) {
        readStream(conversation, Number(data.read_up_to), position);
      } else if (conversation) {
        conversation.readUpTo = Number(data.read_up_to);
        conversation.unread = Number(data.unread);
      }
      if (conversation) conversation.markedUnread = Boolean(data.marked_unread);
      state.serverTotalUnread = Number(data.total_unread);
      return {
        readState: {
          conversationId: data.conversation_id, readUpTo: conversation?.readUpTo ?? Number(data.read_up_to),
          unread: conversation?.unread ?? Number(data.unread), markedUnread: Boolean(data.marked_unread), totalUnread: Number(data.total_unread),
        },
      };
    }
    case 'receipt': {
      const conversation = state.conversations[data.conversation_id];
      if (conversation) {
        const receipt = (conversation.receipts[data.user_id] ??= { delivered: 0, read: 0 });
        const key = data.kind === 'read' ? 'read' : 'delivered';
        receipt[key] = Math.max(receipt[key], Number(data.up_to));
        if (key === 'read') receipt.delivered = Math.max(receipt.delivered, receipt.read);
      }
      return {};
    }
    case 'settings':
      delete state.logValues.settings[data.key];
      applyAccountSetting(state, data);
      return { settingKey: data.key };
    case 'device':
      return { revokedSelf: data.action === 'revoked' && data.device?.device_id === state.deviceId };
    default:
      return {};
  }
}

function applyMessage(state: SyncState, data: Record<string, any>, event: SyncEvent, keepMessages: number): MessageRecord | undefined {
  const message = messageFromWire(data, event.stream === undefined ? event.seq : null, event.ts);
  let conversation = state.conversations[message.conversationId];
  if (!conversation) {
    conversation = conversationFromWire({ conversation_id: message.conversationId, kind: 'group', stream: event.stream !== undefined });
    state.conversations[conversation.id] = conversation;
  }
  if (conversation.lastMessages.some((known) => known.convSeq === message.convSeq)) return undefined;
  conversation.head = Math.max(conversation.head, message.convSeq);
  const own = message.sender.userId === state.userId;
  countMessage(conversation, message.convSeq, own);
  const held = state.logValues.reads[conversation.id];
  if (held && own) state.logValues.reads[conversation.id] = { readUpTo: Math.max(held.readUpTo, message.convSeq), markedUnread: false };
  insertMessage(conversation, message, keepMessages);
  return message;
}

function insertMessage(conversation: ConversationRecord, message: MessageRecord, keepMessages: number): void {
  const messages = conversation.lastMessages;
  let at = messages.length;
  while (at > 0 && messages[at - 1].convSeq > message.convSeq) at--;
  messages.splice(at, 0, message);
  if (messages.length > keepMessages) messages.splice(0, messages.length - keepMessages);
}

function applyMembership(state: SyncState, data: Record<string, any>): void {
  const wire = data.conversation ?? {};
  const id: string = wire.conversation_id;
  const self = state.userId;
  if (data.action === 'member_removed' && data.user_id === self) {
    delete state.conversations[id];
    delete state.streams[id];
    delete state.logValues.reads[id];
    return;
  }
  if (data.action === 'converted') startStream(state, id, Number(wire.stream_from));
  const known = state.conversations[id];
  if (!known) {
    const conversation = conversationFromWire(wire);
    if (data.action === 'member_added' && data.user_id === self) conversation.readUpTo = conversation.head;
    state.conversations[id] = conversation;
    return;
  }
  known.kind = wire.kind ?? known.kind;
  known.title = wire.title ?? null;
  known.stream = wire.stream === true;
  known.members = [...(wire.members ?? (known.stream ? [] : known.members))];
  known.memberCount = Number(wire.member_count ?? known.members.length);
  known.head = Math.max(known.head, Number(wire.head ?? 0));
}

export function applyAccountSetting(state: SyncState, data: Record<string, any>): void {
  const key: string = data.key;
  state.settings.account[key] = {
    value: data.value,
    version: Number(data.version ?? 0),
    hlc: data.hlc === undefined || data.hlc === null ? null : String(data.hlc),
    deviceId: data.device_id ?? null,
  };
  const shadowed = Array.isArray(data.shadowed_on) && data.shadowed_on.includes(state.deviceId);
  const own = state.settings.device[key];
  if (!shadowed && (own === undefined || own.value === null)) state.settings.effective[key] = data.value;
  if (typeof data.server_hlc === 'bigint' && data.server_hlc > BigInt(state.hlc)) state.hlc = data.server_hlc.toString();
}
