/** The public types of @lockstep/client: options, local state as the app sees it, and events. */

import type { LockstepError } from './errors.js';
import type { Store } from './store.js';

export type ConnectionState =
  | 'connecting' | 'syncing' | 'live' | 'offline' | 'unauthorized' | 'revoked' | 'stopped';

/** Why the client is offline (or stopped): see docs/client-js.md. */
export type OfflineReason =
  | 'network' | 'disconnected' | 'replaced' | 'stopped' | 'unauthorized' | 'revoked' | null;

export type TransportKind = 'auto' | 'websocket' | 'sockjs';

export interface ClientOptions {
  /** The server's base URL, e.g. http://localhost:8080; ws(s)://…/v1/ws and …/v1/sockjs are derived. */
  url: string;
  /** Called at start and whenever the server says the token is expired or invalid. */
  getToken: () => Promise<string> | string;
  /** Where the device id, cursor, outbox and local state live. */
  store: Store;
  deviceName?: string;
  platform?: string;
  transport?: TransportKind;
  /** A WebSocket constructor; defaults to the global one, or a built-in client on Node 20. */
  WebSocket?: WebSocketConstructor;
  /** The sockjs-client constructor; without it the SockJS transport uses globalThis.SockJS. */
  SockJS?: SockJSConstructor;
  /** Share one device between the tabs of an origin (browsers; stores with a name). Default true. */
  shareTabs?: boolean;
  /** Newest messages kept per conversation in the local state (default 50). */
  keepMessages?: number;
  /** Reconnect backoff bounds in milliseconds (default 500 → 20 000). */
  backoff?: { minMs?: number; maxMs?: number };
  /**
   * The device's attention, sent to the server (docs/client-js.md, "Attention"). In browsers it
   * follows the page unless `auto` is false; `idleAfterMs` (default 60 000) without input is idle.
   */
  attention?: { auto?: boolean; idleAfterMs?: number };
}

/** How present the user is on this device, most attentive first. */
export type Attention = 'focused' | 'background' | 'idle';

export interface WebSocketLike {
  readonly readyState: number;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}
export type WebSocketConstructor = new (url: string) => WebSocketLike;
export type SockJSConstructor = new (url: string, reserved?: unknown, options?: Record<string, unknown>) => WebSocketLike;

export type MessageState = 'pending' | 'sent' | 'failed';

export interface Message {
  conversationId: string;
  /** Null while the message is pending or failed. */
  convSeq: number | null;
  /** The message's seq in this user's log; null while pending or failed, and for a stream's messages. */
  seq: number | null;
  sender: { userId: string; deviceId: string | null };
  body: Record<string, unknown>;
  /** Present on messages sent by this user's devices. */
  clientMsgId?: string;
  ts: number;
  state: MessageState;
  error?: { code: string; message: string };
}

export interface Conversation {
  id: string;
  kind: 'direct' | 'group';
  title: string | null;
  /** Empty for a stream: page its members with client.members(). */
  members: string[];
  memberCount: number;
  /** A large conversation whose messages arrive through its own stream, not the user's log. */
  stream: boolean;
  /** Highest conv_seq of the conversation. */
  head: number;
  /** Newest messages, oldest first, followed by this device's pending and failed sends. */
  lastMessages: Message[];
  unread: number;
  readUpTo: number;
  markedUnread: boolean;
  /** Per other member: the highest conv_seq delivered to and read by them (receipts). */
  receipts: Record<string, { delivered: number; read: number }>;
}

export interface PendingSend {
  clientMsgId: string;
  conversationId: string;
  body: Record<string, unknown>;
  createdAt: number;
  state: MessageState;
  seq?: number;
  convSeq?: number;
  /** The server answered it as a stream message: it has a convSeq and no seq. */
  stream?: boolean;
  error?: { code: string; message: string };
}

export interface SendHandle {
  clientMsgId: string;
  /** Resolves once the send is written to the store (before it goes out). */
  queued: Promise<void>;
  /** Resolves when the server committed it (a duplicate answer counts as success); seq is 0 in a stream. */
  sent: Promise<{ seq: number; convSeq: number }>;
}

export type SettingScope = 'account' | 'device';

export interface SettingWriteResult {
  scope: SettingScope;
  key: string;
  value: unknown;
  version: number;
  changed?: boolean;
  effective?: unknown;
  hlc?: bigint;
}

export interface Device {
  deviceId: string;
  name: string | null;
  platform: string | null;
  created: number;
  lastSeen?: number | null;
  cursor?: number;
  online?: boolean | null;
  current: boolean;
  /** When the device was last focused (epoch ms), null if never. */
  lastAttentive?: number | null;
  /** The attention the device last declared, and when (epoch ms). */
  attention?: Attention | null;
  attentionAt?: number | null;
  /** When the device last acknowledged events (epoch ms). */
  lastAckAt?: number | null;
  /** While an unlink after drain waits: revoked once it acknowledged up to `upTo`, or at `deadline`. */
  drain?: RevokeResult['drain'];
}

/** A revoke's outcome: `drain` is null when the device was revoked at once. */
export interface RevokeResult {
  /** Revoked once the device acknowledged up to `upTo`, or at `deadline` (epoch ms). */
  drain: { upTo: number; deadline: number } | null;
}

/** Events of a user's log, or of a stream (then `stream` names the conversation and seq is its conv_seq), as the client applied them. */
export interface SyncEvent {
  seq: number;
  stream?: string;
  kind: 'message' | 'conversation' | 'device' | 'read_state' | 'receipt' | 'settings' | string;
  ts: number;
  data: Record<string, any>;
}

export interface ReadStateChange {
  conversationId: string;
  readUpTo: number;
  unread: number;
  markedUnread: boolean;
  totalUnread: number;
}

export interface ResetInfo {
  /** Why local state was dropped: the device fell behind retention, was unknown or belonged to another user. */
  reason: 'reset_required' | 'snapshot' | 'device_unknown' | 'device_not_owned' | 'cursor_ahead';
}

/** A stream continues after `head`: its messages after `from` up to `head` may be missing locally (page them with client.history). */
export interface StreamReset {
  conversationId: string;
  from: number;
  head: number;
}

export interface ReadStateValue {
  readUpTo: number;
  markedUnread: boolean;
}

/** The local state differed from the server's and was replaced by it (see docs/client-js.md, "Convergence"). */
export interface Divergence {
  /** The position in the user log at which the server's state was taken. */
  seq: number;
  /** The server's view: the digest this device sent differed from the server's at seq. */
  diverged: boolean;
  /** The local state matches the server's digest after the repair. */
  repaired: boolean;
  /** Read states that differed: before the repair (local) and the server's; null is the default (nothing read, not marked). */
  conversations: Array<{ conversationId: string; local: ReadStateValue | null; server: ReadStateValue | null }>;
  /** Account settings whose version differed (null: never written). */
  settings: Array<{ key: string; local: number | null; server: number | null }>;
}

export interface MembersPage {
  /** Sorted by user id; pass the last one as `after` for the next page. */
  members: string[];
  hasMore: boolean;
  memberCount: number;
}

export interface ClientEvents {
  state: { state: ConnectionState; previous: ConnectionState; reason: OfflineReason };
  event: SyncEvent;
  message: Message;
  readState: ReadStateChange;
  reset: ResetInfo;
  streamReset: StreamReset;
  divergence: Divergence;
  error: LockstepError;
}
