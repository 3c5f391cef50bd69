/**
 * Applies one event of the user's log to the local state, as docs/protocol.md defines each kind,
 * and says what it changed. The caller guarantees order: this is event cursor + 1.
 */

import { conversationFromWire, messageFromWire } from './apply_snapshot.js';
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
  state.cursor = event.seq;
  const data = event.data;
  switch (event.kind) {
    case 'message':
      return { message: applyMessage(state, data, event, keepMessages) };
    case 'conversation':
      applyMembership(state, data);
      return {};
    case 'read_state': {
      const conversation = state.conversations[data.conversation_id];
      if (conversation) {
        conversation.readUpTo = Number(data.read_up_to);
        conversation.unread = Number(data.unread);
        conversation.markedUnread = Boolean(data.marked_unread);
      }
      state.serverTotalUnread = Number(data.total_unread);
      return {
        readState: {
          conversationId: data.conversation_id, readUpTo: Number(data.read_up_to), unread: Number(data.unread),
          markedUnread: Boolean(data.marked_unread), totalUnread: Number(data.total_unread),
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
      applyAccountSetting(state, data);
      return { settingKey: data.key };
    case 'device':
      return { revokedSelf: data.action === 'revoked' && data.device?.device_id === state.deviceId };
    default:
      return {};
  }
}

function applyMessage(state: SyncState, data: Record<string, any>, event: SyncEvent, keepMessages: number): MessageRecord {
  const message = messageFromWire(data, event.seq, event.ts);
  let conversation = state.conversations[message.conversationId];
  if (!conversation) {
    conversation = conversationFromWire({ conversation_id: message.conversationId, kind: 'group', members: [] });
    state.conversations[conversation.id] = conversation;
  }
  conversation.head = Math.max(conversation.head, message.convSeq);
  countMessage(conversation, message.convSeq, message.sender.userId === state.userId);
  insertMessage(conversation, message, keepMessages);
  return message;
}

function insertMessage(conversation: ConversationRecord, message: MessageRecord, keepMessages: number): void {
  const messages = conversation.lastMessages;
  if (messages.some((known) => known.convSeq === message.convSeq)) return;
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
    return;
  }
  const known = state.conversations[id];
  if (!known) {
    const conversation = conversationFromWire(wire);
    if (data.action === 'member_added' && data.user_id === self) conversation.readUpTo = conversation.head;
    state.conversations[id] = conversation;
    return;
  }
  known.kind = wire.kind ?? known.kind;
  known.title = wire.title ?? null;
  known.members = [...(wire.members ?? known.members)];
  known.head = Math.max(known.head, Number(wire.head ?? 0));
}

function applyAccountSetting(state: SyncState, data: Record<string, any>): void {
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
