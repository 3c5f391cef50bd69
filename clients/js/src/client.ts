/**
 * createClient: the app's handle on one device. It reads and writes the local state, queues sends
 * in the outbox, and leaves the connection to the sync engine, which runs in this tab or, when
 * tabs share the device, in the leader tab that the other tabs talk to (and tell their attention).
 */

import { ErrorCode } from './codes.js';
import { conversationFromWire, messageFromWire } from './apply_snapshot.js';
import { isAttention, mostAttentive, watchPage, type PageLike } from './attention.js';
import { DevicesApi } from './devices_api.js';
import { Emitter } from './emitter.js';
import { LockstepError } from './errors.js';
import { newId } from './ids.js';
import { LocalModel } from './local_model.js';
import { OpQueue } from './op_queue.js';
import { Outbox } from './outbox.js';
import { restCall } from './rest.js';
import { holdRead } from './state_digest.js';
import { STATE_KEY } from './state_writer.js';
import type { Store } from './store.js';
import { emptyState, storedState, type SyncState } from './sync_state.js';
import { SyncEngine, type EngineSignals, type SendResult } from './sync_engine.js';
import { TabHub, type HubMessage } from './tab_hub.js';
import type { OpenTransport } from './transport.js';
import { sockJsConstructor, sockJsTransport } from './transport_sockjs.js';
import { webSocketTransport } from './transport_websocket.js';
import type {
  Attention, ClientEvents, ClientOptions, Conversation, ConnectionState, Device, MembersPage, Message, OfflineReason, PendingSend,
  RevokeResult, SendHandle, SettingScope, SettingWriteResult,
} from './types.js';
import { readLocally } from './unread.js';

export function createClient(options: ClientOptions): LockstepClient {
  return new LockstepClient(options);
}

type Waiter<T> = { resolve: (value: T) => void; reject: (error: LockstepError) => void };

export class LockstepClient {
  readonly settings: {
    get: (key: string) => unknown;
    set: (key: string, value: unknown, options?: { scope?: SettingScope; baseVersion?: number }) => Promise<SettingWriteResult>;
  };
  readonly devices: {
    list: () => Promise<Device[]>;
    rename: (deviceId: string, name: string) => Promise<Device>;
    revoke: (deviceId: string, options?: { afterDrain?: boolean }) => Promise<RevokeResult>;
  };

  private readonly events = new Emitter<ClientEvents>();
  private readonly store: Store;
  private readonly outbox: Outbox;
  private readonly ops: OpQueue;
  private readonly model: LocalModel;
  private readonly engine: SyncEngine;
  private readonly sendWaiters = new Map<string, Waiter<{ seq: number; convSeq: number }>>();
  private readonly opWaiters = new Map<string, Array<Waiter<Record<string, any>>>>();
  private hub: TabHub | undefined;
  private followerState: { state: ConnectionState; reason: OfflineReason } = { state: 'stopped', reason: 'stopped' };
  private started: Promise<void> | undefined;
  private readonly detachHints: Array<() => void> = [];
  /** This tab's attention, and (in the leader) that of each follower tab. */
  private ownAttention: Attention | undefined;
  private readonly tabAttention = new Map<string, Attention>();
  private readonly idleAfterMs: number;

  constructor(private readonly options: ClientOptions) {
    this.idleAfterMs = options.attention?.idleAfterMs ?? 60_000;
    if (!(this.idleAfterMs > 0 && this.idleAfterMs < Infinity)) {
      throw new LockstepError(ErrorCode.invalidField, `attention.idleAfterMs must be a positive number of milliseconds, not ${this.idleAfterMs}`);
    }
    this.store = options.store;
    this.outbox = new Outbox(this.store);
    this.ops = new OpQueue(this.store);
    this.model = new LocalModel(this.outbox);
    this.engine = new SyncEngine({
      url: options.url,
      getToken: options.getToken,
      deviceName: options.deviceName,
      platform: options.platform,
      keepMessages: options.keepMessages ?? 50,
      transports: transportsFor(options),
      backoff: options.backoff,
    }, this.store, this.model, this.outbox, this.ops, this.events);
    this.engine.signals.on('sendSettled', (result) => this.settleSend(result));
    this.engine.signals.on('opSettled', (result) => this.settleOp(result));
    this.settings = {
      get: (key) => this.model.setting(key),
      set: (key, value, setOptions = {}) => this.setSetting(key, value, setOptions.scope ?? 'account', setOptions.baseVersion),
    };
    const api = new DevicesApi(options.url, async () => options.getToken(), () => this.model.state.deviceId);
    this.devices = {
      list: () => api.list(),
      rename: (deviceId, name) => api.rename(deviceId, name),
      revoke: (deviceId, revokeOptions) => api.revoke(deviceId, revokeOptions?.afterDrain === true),
    };
  }

  get state(): ConnectionState {
    return this.isFollower ? this.followerState.state : this.engine.connectionState;
  }

  /** Why the client is offline, unauthorized, revoked or stopped; null while it connects or is connected. */
  get offlineReason(): OfflineReason {
    return this.isFollower ? this.followerState.reason : this.engine.offlineReason;
  }

  get deviceId(): string | null {
    return this.model.state.deviceId;
  }

  get userId(): string | null {
    return this.model.state.userId;
  }

  /** The last seq applied to the local state. */
  get cursor(): number {
    return this.model.state.cursor;
  }

  /** The user's head as last heard from the server; cursor < head while catching up. */
  get head(): number {
    return Math.max(this.cursor, this.isFollower ? 0 : this.engine.serverHead);
  }

  /** Whether this instance holds the connection (false in a follower tab). */
  get isLeader(): boolean {
    return !this.isFollower;
  }

  on<K extends keyof ClientEvents>(name: K, listener: (value: ClientEvents[K]) => void): () => void {
    return this.events.on(name, listener);
  }

  /** Loads the store, connects (or joins the leader tab), and resolves when the first `synced` is applied. */
  start(): Promise<void> {
    if (this.state === 'stopped' || this.state === 'unauthorized') this.started = undefined;
    return (this.started ??= this.begin());
  }

  /** Reconnects after disconnect(), a `replaced` close or `unauthorized`. */
  connect(): void {
    if (this.isFollower) void this.hub!.call('connect', []);
    else this.engine.connect();
  }

  /** Closes the connection and stays offline (sends keep queueing) until connect(). */
  disconnect(): void {
    if (this.isFollower) void this.hub!.call('disconnect', []);
    else this.engine.disconnect();
  }

  async stop(): Promise<void> {
    this.detachHints.splice(0).forEach((detach) => detach());
    if (this.hub) {
      if (this.isFollower) this.hub.broadcast({ t: 'attention', tab: this.hub.tabId });
      this.hub.close();
      this.hub = undefined;
    }
    await this.engine.stop();
    const error = new LockstepError(ErrorCode.stopped, 'the client was stopped');
    for (const waiter of this.sendWaiters.values()) waiter.reject(error);
    this.sendWaiters.clear();
    this.started = undefined;
  }

  /** Unregisters push for this device, closes, and wipes the store. */
  async logout(): Promise<void> {
    if (this.state === 'live' || this.state === 'syncing') {
      await Promise.race([this.call({ type: 'push.unregister' }).catch(() => undefined), delay(2000)]);
    }
    await this.stop();
    await this.store.clear();
    this.model.state = emptyState();
    await this.outbox.load();
    await this.ops.load();
    this.model.changed();
  }

  // ---- messages

  send(conversationId: string, body: Record<string, unknown>): SendHandle {
    const clientMsgId = newId();
    const { stored } = this.outbox.add(clientMsgId, conversationId, body, Date.now());
    const sent = new Promise<{ seq: number; convSeq: number }>((resolve, reject) => this.sendWaiters.set(clientMsgId, { resolve, reject }));
    sent.catch(() => undefined);
    this.model.changed();
    const queued = stored.then(() => {
      if (this.isFollower) this.hub!.broadcast({ t: 'outbox' });
      else this.engine.flushOutbox();
    });
    return { clientMsgId, queued, sent };
  }

  /** Sends not yet confirmed by the server (pending) or refused by it (failed); they survive restarts. */
  pending(): PendingSend[] {
    return this.outbox.all().filter((entry) => entry.state !== 'sent').map((entry) => structuredClone(entry));
  }

  /** Sends a failed message again with the same client_msg_id. */
  async retry(clientMsgId: string): Promise<void> {
    await this.outbox.update(clientMsgId, { state: 'pending', error: undefined });
    this.model.changed();
    if (this.isFollower) this.hub!.broadcast({ t: 'outbox' });
    else this.engine.flushOutbox();
  }

  /** Drops a pending or failed send from the outbox. */
  async discard(clientMsgId: string): Promise<void> {
    await this.outbox.remove(clientMsgId);
    this.sendWaiters.get(clientMsgId)?.reject(new LockstepError('discarded', 'the send was discarded'));
    this.sendWaiters.delete(clientMsgId);
    this.model.changed();
    if (this.isFollower) this.hub!.broadcast({ t: 'outbox' });
  }

  // ---- read state

  /** Marks the conversation read up to a conv_seq (default: its head); queued while offline. */
  read(conversationId: string, upTo?: number): Promise<void> {
    const conversation = this.model.state.conversations[conversationId];
    const target = upTo ?? conversation?.head ?? 0;
    holdRead(this.model.state, conversationId);
    if (conversation) readLocally(conversation, target);
    this.model.changed();
    return this.queueOp(`readstate:${conversationId}`, { type: 'read', conversation_id: conversationId, up_to: target }).then(() => undefined);
  }

  markUnread(conversationId: string): Promise<void> {
    const conversation = this.model.state.conversations[conversationId];
    holdRead(this.model.state, conversationId);
    if (conversation) conversation.markedUnread = true;
    this.model.changed();
    return this.queueOp(`readstate:${conversationId}`, { type: 'mark_unread', conversation_id: conversationId }).then(() => undefined);
  }

  // ---- local queries

  conversations(): Conversation[] {
    return this.model.conversations();
  }

  /** The conversation's share of the badge: its unread count, at least 1 when marked unread. */
  unread(conversationId: string): number {
    return this.model.unread(conversationId);
  }

  badge(): number {
    return this.model.badge();
  }

  /** Calls fn with selector(client) now and whenever a change alters it; answers the unsubscribe. */
  subscribe<T>(selector: (client: LockstepClient) => T, fn: (value: T) => void): () => void {
    let last = selector(this);
    fn(last);
    return this.model.onChange(() => {
      const next = selector(this);
      if (!sameValue(last, next)) {
        last = next;
        fn(next);
      }
    });
  }

  /** Increases on every change of the local state (for useSyncExternalStore and the like). */
  get version(): number {
    return this.model.version;
  }

  onChange(listener: () => void): () => void {
    return this.model.onChange(listener);
  }

  /** Resolves when everything up to the server's head at call time is applied and stored. */
  synced(): Promise<void> {
    return this.isFollower ? this.hub!.call('synced', []).then(() => undefined) : this.engine.synced();
  }

  /** A page of a conversation's own log (older messages than the local state keeps), by conv_seq. */
  async history(conversationId: string, options: { after?: number; limit?: number } = {}): Promise<{ messages: Message[]; hasMore: boolean; head: number }> {
    const reply = await this.call({ type: 'sync', conversation_id: conversationId, since: options.after ?? 0, limit: options.limit ?? 100 });
    const messages = (reply.events as Array<Record<string, any>>).map((data) => ({ ...messageFromWire(data, null, data.ts), state: 'sent' as const }));
    return { messages, hasMore: Boolean(reply.has_more), head: Number(reply.head) };
  }

  // ---- conversations

  async createConversation(request: { kind: 'direct' | 'group'; members: string[]; title?: string }): Promise<Conversation> {
    const reply = await this.call({ type: 'conversation.create', ...request }, request.kind === 'direct');
    return conversationOf(reply.conversation);
  }

  async addMember(conversationId: string, userId: string): Promise<Conversation> {
    const reply = await this.call({ type: 'conversation.add_member', conversation_id: conversationId, user_id: userId });
    return conversationOf(reply.conversation);
  }

  async removeMember(conversationId: string, userId: string): Promise<Conversation> {
    const reply = await this.call({ type: 'conversation.remove_member', conversation_id: conversationId, user_id: userId });
    return conversationOf(reply.conversation);
  }

  /** A page of a conversation's members, sorted by user id (a stream's events carry only its member count). */
  async members(conversationId: string, options: { after?: string; limit?: number } = {}): Promise<MembersPage> {
    const query = new URLSearchParams();
    if (options.after !== undefined) query.set('after', options.after);
    if (options.limit !== undefined) query.set('limit', String(options.limit));
    const path = `/v1/conversations/${encodeURIComponent(conversationId)}/members?${query}`;
    const reply = await restCall(this.options.url, await this.options.getToken(), 'GET', path);
    return { members: reply.members, hasMore: Boolean(reply.has_more), memberCount: Number(reply.member_count) };
  }

  /**
   * Declares how present the user is on this device. Browsers follow the page by themselves
   * (options.attention.auto); elsewhere call this on the host's focus and background events.
   */
  setAttention(state: Attention): void {
    if (!isAttention(state)) {
      throw new LockstepError(ErrorCode.invalidField, `attention must be 'focused', 'background' or 'idle', not ${JSON.stringify(state)}`);
    }
    this.ownAttention = state;
    this.shareAttention();
  }

  /** The attention the device declares (the most attentive of its tabs); in a follower tab, this tab's own. */
  get attention(): Attention | undefined {
    return this.isFollower ? this.ownAttention : this.engine.attention.current;
  }

  /** Registers this device's push token (see docs/protocol.md, push.register). */
  registerPush(provider: string, token: unknown): Promise<Record<string, any>> {
    return this.call({ type: 'push.register', provider, token });
  }

  // ---- internals

  private get isFollower(): boolean {
    return this.hub !== undefined && !this.hub.isLeader;
  }

  private async begin(): Promise<void> {
    this.watchBrowserHints();
    if (this.options.attention?.auto !== false && typeof document !== 'undefined' && typeof addEventListener === 'function') {
      this.detachHints.push(watchPage((state) => {
        this.ownAttention = state;
        this.shareAttention();
      }, this.idleAfterMs, globalThis as unknown as PageLike));
    }
    const shared = this.options.shareTabs !== false && this.store.name !== undefined && TabHub.available();
    if (!shared) {
      await this.engine.load();
      this.engine.connect();
      return this.engine.whenLive();
    }
    this.model.state = storedState(await this.store.get<SyncState>(STATE_KEY));
    await this.outbox.load();
    this.model.changed();
    const hub = new TabHub(this.store.name!, (message) => this.onHubMessage(message));
    this.hub = hub;
    this.shareAttention();
    let becameLeader: () => void = () => undefined;
    const leading = new Promise<void>((resolve) => (becameLeader = resolve));
    hub.campaign(async () => {
      await this.engine.load();
      this.engine.signals.on('persisted', (state) => hub.broadcast({ t: 'state', state }));
      this.engine.signals.on('sendSettled', (result) => hub.broadcast({ t: 'sendSettled', result: serializableResult(result) }));
      this.engine.signals.on('opSettled', () => hub.broadcast({ t: 'outbox' }));
      this.engine.signals.on('connection', (connection) => hub.broadcast({ t: 'connection', ...connection }));
      for (const name of ['event', 'message', 'readState', 'reset', 'streamReset', 'divergence', 'error'] as const) {
        this.events.on(name, (value) => hub.broadcast({ t: 'public', name, value: serializableEvent(value) }));
      }
      this.shareAttention();
      this.engine.connect();
      becameLeader();
    }, (method, args) => this.serveFollower(method, args));
    const followed = hub.call('status', []).then((status) => this.onHubMessage({ t: 'connection', ...(status as object) }));
    followed.catch(() => undefined);
    await Promise.race([leading, followed]);
    if (hub.isLeader) return this.engine.whenLive();
    await Promise.race([hub.call('whenLive', []), leading.then(() => this.engine.whenLive())]);
  }

  /** A follower tab's request, run by the leader. */
  private async serveFollower(method: string, args: unknown[]): Promise<unknown> {
    switch (method) {
      case 'status':
        return { state: this.engine.connectionState, reason: this.engine.offlineReason };
      case 'whenLive':
        return this.engine.whenLive();
      case 'synced':
        return this.engine.synced();
      case 'connect':
        return this.engine.connect();
      case 'disconnect':
        return this.engine.disconnect();
      case 'op':
        return this.queueOp(args[0] as string, args[1] as Record<string, unknown>);
      case 'call':
        return this.engine.call(args[0] as Record<string, unknown>, args[1] as boolean);
      default:
        throw new LockstepError(ErrorCode.invalidField, `unknown tab request ${method}`);
    }
  }

  private onHubMessage(message: HubMessage): void {
    if (!this.isFollower) {
      if (message.t === 'outbox') void this.outbox.load().then(() => this.engine.flushOutbox());
      if (message.t === 'attention') {
        if (message.state) this.tabAttention.set(message.tab as string, message.state as Attention);
        else this.tabAttention.delete(message.tab as string);
        this.shareAttention();
      }
      return;
    }
    switch (message.t) {
      case 'leader':
        this.shareAttention();
        return;
      case 'state':
        this.model.state = message.state as SyncState;
        void this.outbox.load().then(() => this.model.changed());
        return;
      case 'outbox':
        void this.outbox.load().then(() => this.model.changed());
        return;
      case 'sendSettled':
        this.settleSend(revivedResult(message.result as Record<string, any>));
        return;
      case 'connection': {
        const previous = this.followerState.state;
        this.followerState = { state: message.state as ConnectionState, reason: message.reason as OfflineReason };
        if (previous !== this.followerState.state) {
          this.events.emit('state', { state: this.followerState.state, previous, reason: this.followerState.reason });
        }
        return;
      }
      case 'public': {
        const value = message.value as Record<string, any>;
        const name = message.name as keyof ClientEvents;
        this.events.emit(name, (name === 'error' ? new LockstepError(value.code, value.message, value.details) : value) as never);
        return;
      }
      default:
    }
  }

  /** A follower tells the leader its attention; the leader declares the most attentive of all tabs. */
  private shareAttention(): void {
    if (this.isFollower) {
      this.hub!.broadcast({ t: 'attention', tab: this.hub!.tabId, state: this.ownAttention });
      return;
    }
    const device = mostAttentive([this.ownAttention, ...this.tabAttention.values()]);
    if (device) this.engine.attention.set(device);
  }

  private queueOp(key: string, frame: Record<string, unknown>): Promise<Record<string, any>> {
    if (this.isFollower) return this.hub!.call('op', [key, frame]) as Promise<Record<string, any>>;
    const result = new Promise<Record<string, any>>((resolve, reject) => {
      const waiters = this.opWaiters.get(key) ?? [];
      waiters.push({ resolve, reject });
      this.opWaiters.set(key, waiters);
    });
    void this.ops.put(key, frame, Date.now()).then(() => this.engine.flushOps());
    return result;
  }

  private call(frame: Record<string, unknown>, idempotent = true): Promise<Record<string, any>> {
    if (this.isFollower) return this.hub!.call('call', [frame, idempotent]) as Promise<Record<string, any>>;
    return this.engine.call(frame, idempotent);
  }

  private async setSetting(key: string, value: unknown, scope: SettingScope, baseVersion?: number): Promise<SettingWriteResult> {
    const hlc = this.engine.clock.tick();
    const settings = this.model.state.settings;
    const isEdit = value !== null && typeof value === 'object' && ('add' in value || 'remove' in value);
    if (scope === 'device') {
      settings.device[key] = { value, version: settings.device[key]?.version ?? 0 };
      settings.effective[key] = value ?? settings.account[key]?.value ?? null;
    } else if (!isEdit) {
      const known = settings.account[key];
      settings.account[key] = { value, version: known?.version ?? 0, hlc: hlc.toString(), deviceId: this.model.state.deviceId };
      const own = settings.device[key];
      if (own === undefined || own.value === null) settings.effective[key] = value;
    }
    this.model.state.hlc = this.engine.clock.value.toString();
    this.model.changed();
    const frame: Record<string, unknown> = { type: 'settings.set', scope, key, value, hlc: hlc.toString() };
    if (baseVersion !== undefined) frame.base_version = baseVersion;
    const reply = await this.queueOp(`setting:${scope}:${key}`, frame);
    return {
      scope: reply.scope, key: reply.key, value: reply.value, version: Number(reply.version), changed: reply.changed,
      effective: reply.effective, hlc: typeof reply.hlc === 'bigint' ? reply.hlc : undefined,
    };
  }

  private settleSend(result: SendResult): void {
    const waiter = this.sendWaiters.get(result.clientMsgId);
    if (!waiter) return;
    this.sendWaiters.delete(result.clientMsgId);
    if (result.error) waiter.reject(result.error);
    else waiter.resolve({ seq: result.seq!, convSeq: result.convSeq! });
  }

  private settleOp(result: EngineSignals['opSettled']): void {
    const waiters = this.opWaiters.get(result.key) ?? [];
    this.opWaiters.delete(result.key);
    for (const waiter of waiters) {
      if (result.error) waiter.reject(result.error);
      else waiter.resolve(result.reply!);
    }
  }

  /** Browser hints: online/offline and a page becoming visible retry at once instead of after the backoff. */
  private watchBrowserHints(): void {
    const target = globalThis as { addEventListener?: typeof addEventListener; removeEventListener?: typeof removeEventListener };
    if (typeof target.addEventListener !== 'function' || typeof document === 'undefined') return;
    const online = () => this.isLeader && this.engine.networkHint(true);
    const offline = () => this.isLeader && this.engine.networkHint(false);
    const visible = () => document.visibilityState === 'visible' && online();
    target.addEventListener('online', online);
    target.addEventListener('offline', offline);
    document.addEventListener('visibilitychange', visible);
    this.detachHints.push(() => {
      target.removeEventListener!('online', online);
      target.removeEventListener!('offline', offline);
      document.removeEventListener('visibilitychange', visible);
    });
  }
}

function transportsFor(options: ClientOptions): OpenTransport[] {
  const websocket = webSocketTransport(options.WebSocket);
  const sockjs = sockJsTransport(options.SockJS);
  switch (options.transport ?? 'auto') {
    case 'websocket':
      return [websocket];
    case 'sockjs':
      return [sockjs];
    default:
      return sockJsConstructor(options.SockJS) ? [websocket, sockjs] : [websocket];
  }
}

function conversationOf(wire: Record<string, any>): Conversation {
  const { id, kind, title, members, memberCount, stream, head } = conversationFromWire(wire);
  return { id, kind, title, members, memberCount, stream, head, lastMessages: [], unread: 0, readUpTo: 0, markedUnread: false, receipts: {} };
}

function serializableResult(result: SendResult): Record<string, unknown> {
  return { ...result, error: result.error ? { code: result.error.code, message: result.error.message } : undefined };
}

function revivedResult(result: Record<string, any>): SendResult {
  return { ...result, error: result.error ? new LockstepError(result.error.code, result.error.message) : undefined } as SendResult;
}

function serializableEvent(value: unknown): unknown {
  if (value instanceof LockstepError) return { code: value.code, message: value.message, details: value.details };
  return value;
}

function sameValue(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  try {
    return JSON.stringify(a, bigintAsText) === JSON.stringify(b, bigintAsText);
  } catch {
    return false;
  }
}

function bigintAsText(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value;
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
