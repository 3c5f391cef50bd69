/**
 * Builds the local state from a `snapshot` frame (new device, reset after retention): every
 * conversation with its read state and last messages, the settings, the cursor at its head, and
 * each stream's position at its conversation's head.
 */

import { emptyState, type ConversationRecord, type MessageRecord, type SettingsRecord, type SyncState } from './sync_state.js';

export function applySnapshot(previous: SyncState, snapshot: Record<string, any>, keepMessages: number): SyncState {
  const state = emptyState();
  state.userId = previous.userId;
  state.deviceId = previous.deviceId;
  state.hlc = previous.hlc;
  state.cursor = Number(snapshot.head);
  state.baseline = true;
  for (const wire of snapshot.conversations ?? []) {
    const conversation = conversationFromWire(wire);
    conversation.readUpTo = Number(wire.read_up_to ?? 0);
    conversation.unread = Number(wire.unread ?? 0);
    conversation.markedUnread = Boolean(wire.marked_unread);
    conversation.lastMessages = (wire.last_messages ?? []).map((data: Record<string, any>) => messageFromWire(data, null, data.ts))
      .slice(-keepMessages);
    state.conversations[conversation.id] = conversation;
    if (conversation.stream) state.streams[conversation.id] = conversation.head;
  }
  state.serverTotalUnread = snapshot.total_unread === undefined ? null : Number(snapshot.total_unread);
  if (snapshot.settings) state.settings = settingsFromWire(snapshot.settings);
  if (typeof snapshot.settings?.server_hlc === 'bigint' && snapshot.settings.server_hlc > BigInt(state.hlc)) {
    state.hlc = snapshot.settings.server_hlc.toString();
  }
  return state;
}

/** A conversation as the `conversation` object of events and replies carries it, with empty read state. */
export function conversationFromWire(wire: Record<string, any>): ConversationRecord {
  const members: string[] = [...(wire.members ?? [])];
  return {
    id: wire.conversation_id,
    kind: wire.kind,
    title: wire.title ?? null,
    members,
    memberCount: Number(wire.member_count ?? members.length),
    stream: wire.stream === true,
    head: Number(wire.head ?? 0),
    readUpTo: 0,
    unread: 0,
    markedUnread: false,
    lastMessages: [],
    receipts: {},
  };
}

export function messageFromWire(data: Record<string, any>, seq: number | null, ts: number): MessageRecord {
  const message: MessageRecord = {
    conversationId: data.conversation_id,
    convSeq: Number(data.conv_seq),
    seq,
    sender: { userId: data.sender?.user_id, deviceId: data.sender?.device_id ?? null },
    body: data.body,
    ts: Number(ts),
  };
  if (data.client_msg_id !== undefined) message.clientMsgId = data.client_msg_id;
  return message;
}

/** The `settings` object of a snapshot or a settings.get answer. */
export function settingsFromWire(wire: Record<string, any>): SettingsRecord {
  const settings: SettingsRecord = { account: {}, device: {}, effective: { ...(wire.effective ?? {}) } };
  for (const [key, entry] of Object.entries<Record<string, any>>(wire.account ?? {})) {
    settings.account[key] = {
      value: entry.value,
      version: Number(entry.version ?? 0),
      hlc: entry.hlc === undefined || entry.hlc === null ? null : String(entry.hlc),
      deviceId: entry.device_id ?? null,
    };
  }
  for (const [key, entry] of Object.entries<Record<string, any>>(wire.device ?? {})) {
    settings.device[key] = { value: entry.value, version: Number(entry.version ?? 0) };
  }
  return settings;
}
