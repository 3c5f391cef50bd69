/**
 * The local state of one device as stored: who it is, its cursor, and the user's conversations
 * and settings as of that cursor. Plain JSON (stamps as decimal strings), so any store can hold it.
 */

export interface MessageRecord {
  conversationId: string;
  convSeq: number;
  seq: number | null;
  sender: { userId: string; deviceId: string | null };
  body: Record<string, unknown>;
  clientMsgId?: string;
  ts: number;
}

export interface ConversationRecord {
  id: string;
  kind: 'direct' | 'group';
  title: string | null;
  /** Empty for a stream: its members are paged over REST, not sent in events. */
  members: string[];
  memberCount: number;
  /** A large conversation read as a stream (docs/protocol.md, "Large conversations"). */
  stream: boolean;
  head: number;
  readUpTo: number;
  unread: number;
  markedUnread: boolean;
  lastMessages: MessageRecord[];
  receipts: Record<string, { delivered: number; read: number }>;
}

export interface AccountSettingRecord {
  value: unknown;
  version: number;
  hlc: string | null;
  deviceId: string | null;
}

export interface SettingsRecord {
  account: Record<string, AccountSettingRecord>;
  device: Record<string, { value: unknown; version: number }>;
  /** Effective values as the server last answered them (covers defaults of keys never written). */
  effective: Record<string, unknown>;
}

export interface SyncState {
  userId: string | null;
  deviceId: string | null;
  /** The last seq applied and stored; what hello sends as `cursor` and ack confirms. */
  cursor: number;
  /** Per stream (conversation id): the last conv_seq applied and stored, what its acks confirm. */
  streams: Record<string, number>;
  /** True once a snapshot or a backlog from seq 0 built the state. */
  baseline: boolean;
  conversations: Record<string, ConversationRecord>;
  settings: SettingsRecord;
  /** The badge as the server last stated it (snapshot, read_state), to compare with the local sum. */
  serverTotalUnread: number | null;
  /** The hybrid clock's last value, as a decimal string. */
  hlc: string;
  /**
   * Read states and account-setting versions this device changed ahead of its log (an optimistic
   * read, a settings reply before its event), as the log last left them: what the state digest
   * counts until the log's own event for them arrives.
   */
  logValues: { reads: Record<string, { readUpTo: number; markedUnread: boolean }>; settings: Record<string, number> };
}

export function emptyState(): SyncState {
  return {
    userId: null,
    deviceId: null,
    cursor: 0,
    streams: {},
    baseline: false,
    conversations: {},
    settings: { account: {}, device: {}, effective: {} },
    serverTotalUnread: null,
    hlc: '0',
    logValues: { reads: {}, settings: {} },
  };
}

/** The state as a store holds it; one written before streams existed gets their fields. */
export function storedState(stored: SyncState | undefined): SyncState {
  const state = { ...emptyState(), ...stored };
  for (const conversation of Object.values(state.conversations)) {
    conversation.memberCount ??= conversation.members.length;
    conversation.stream ??= false;
  }
  return state;
}

/** The state with everything the user's log built dropped, keeping who the device is. */
export function resetState(state: SyncState): SyncState {
  return { ...emptyState(), userId: state.userId, deviceId: state.deviceId, hlc: state.hlc };
}

/** The effective value of a setting: this device's own value, else the account's, else the server's answer. */
export function effectiveSetting(settings: SettingsRecord, key: string): unknown {
  const own = settings.device[key];
  if (own !== undefined && own.value !== null) return own.value;
  const account = settings.account[key];
  if (account !== undefined) return account.value;
  return settings.effective[key];
}
