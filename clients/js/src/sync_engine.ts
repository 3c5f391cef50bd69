/**
 * The device's connection to the server and everything that rides on it: hello with the stored
 * device id and cursor, snapshot or backlog, events applied strictly in seq order (a gap resyncs),
 * each stream's events likewise in their own order, state written to the store before it is
 * acknowledged (the cursor and each stream's position), the outbox and queued requests sent and
 * retried, the device's attention, digests compared and repaired, reconnects with backoff, and
 * what each close code means. One per device (the leader tab in a browser).
 */

import { applyEvent } from './apply_event.js';
import { applySnapshot } from './apply_snapshot.js';
import { AttentionSender } from './attention.js';
import { Backoff } from './backoff.js';
import { decideOnClose } from './close_policy.js';
import { CloseCode, ErrorCode, RETRYABLE_ERRORS } from './codes.js';
import { Convergence } from './convergence.js';
import { Emitter } from './emitter.js';
import { LockstepError } from './errors.js';
import { Heartbeat } from './heartbeat.js';
import { HybridClock } from './hlc.js';
import type { LocalModel } from './local_model.js';
import type { OpQueue, QueuedOp } from './op_queue.js';
import { isApplied, type Outbox } from './outbox.js';
import { Requests } from './requests.js';
import { holdSetting } from './state_digest.js';
import { transition, wantsConnection, type ConnectionInput } from './state_machine.js';
import { STATE_KEY, StateWriter } from './state_writer.js';
import type { Store } from './store.js';
import { adoptWelcomePositions, continueAfter, orderAfter } from './streams.js';
import { emptyState, resetState, storedState, type SyncState } from './sync_state.js';
import type { OpenTransport, Transport } from './transport.js';
import type { ClientEvents, ConnectionState, Message, OfflineReason, ResetInfo, SyncEvent } from './types.js';
import { encodeFrame, parseFrame } from './wire_json.js';

/** The largest frame the transport accepts (1 MiB); a larger one would close the connection with 1009. */
const MAX_FRAME_CHARS = 1024 * 1024;
const WELCOME_TIMEOUT_MS = 15_000;
const STABLE_CONNECTION_MS = 10_000;
const RETRY_SOON_MS = 1_000;
const HELLO_ID = 'hello';

export interface EngineOptions {
  url: string;
  getToken: () => Promise<string> | string;
  deviceName?: string;
  platform?: string;
  keepMessages: number;
  transports: OpenTransport[];
  backoff?: { minMs?: number; maxMs?: number };
}

export interface SendResult {
  clientMsgId: string;
  seq?: number;
  convSeq?: number;
  error?: LockstepError;
}

/** What the engine tells the client and the other tabs besides the public events. */
export interface EngineSignals {
  persisted: SyncState;
  sendSettled: SendResult;
  opSettled: { key: string; reply?: Record<string, any>; error?: LockstepError };
  connection: { state: ConnectionState; reason: OfflineReason };
}

type Purpose = 'resync' | 'disconnect' | 'stop' | 'dead' | 'revoked' | 'reregister' | 'welcome_timeout';

export class SyncEngine {
  readonly signals = new Emitter<EngineSignals>();
  connectionState: ConnectionState = 'stopped';
  offlineReason: OfflineReason = 'stopped';
  clock = new HybridClock();
  /** The highest seq the server has mentioned (welcome, synced, events): the user's head as last known. */
  serverHead = 0;
  readonly attention: AttentionSender;

  private transport: Transport | undefined;
  private token = '';
  private generation = 0;
  private requests: Requests | undefined;
  private purpose: Purpose | undefined;
  private lastError: string | null = null;
  private expectSnapshot = false;
  private resetReason: ResetInfo['reason'] | null = null;
  private welcomed = false;
  private acked = 0;
  /** Per stream: the position the server holds for this device (welcome) or that was acked since. */
  private ackedStreams = new Map<string, number>();
  /** Streams whose catch-up has not ended yet; the client is live once the log and these are synced. */
  private awaitingStreams = new Set<string>();
  private logSynced = false;
  private transportIndex = 0;
  private failedOpens = 0;
  private authFailures = 0;
  private reregistered = false;
  private reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  private welcomeTimer: ReturnType<typeof setTimeout> | undefined;
  private stableTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly backoff: Backoff;
  private readonly heartbeat: Heartbeat;
  private readonly writer: StateWriter;
  private readonly convergence: Convergence;
  private readonly inFlightSends = new Set<string>();
  private readonly inFlightOps = new Set<string>();
  private connectWaiters: Array<{ resolve: () => void; reject: (error: LockstepError) => void }> = [];
  private syncedWaiters: Array<{ target: number; resolve: () => void }> = [];
  private liveWaiters: Array<{ resolve: () => void; reject: (error: LockstepError) => void }> = [];

  constructor(
    private readonly options: EngineOptions,
    private readonly store: Store,
    private readonly model: LocalModel,
    private readonly outbox: Outbox,
    private readonly ops: OpQueue,
    private readonly events: Emitter<ClientEvents>,
  ) {
    this.backoff = new Backoff(options.backoff);
    this.heartbeat = new Heartbeat(() => this.ping(), () => this.closeTransport('dead', CloseCode.heartbeatTimeout));
    this.writer = new StateWriter(store, () => this.model.state, (cursor, state) => this.onWritten(cursor, state),
      (error) => this.events.emit('error', new LockstepError('store', `the store failed: ${String(error)}`)));
    const emitError = (error: LockstepError) => this.events.emit('error', error);
    this.attention = new AttentionSender(emitError);
    this.convergence = new Convergence({
      requestRepair: (digest) => this.requests?.send({ type: 'repair', digest })
        ?? Promise.reject(new LockstepError(ErrorCode.connectionLost, 'not connected')),
      replaced: () => {
        this.writer.schedule();
        this.model.changed();
      },
      divergence: (report) => this.events.emit('divergence', report),
      error: emitError,
    });
  }

  get state(): SyncState {
    return this.model.state;
  }

  /** Reads the device's state, outbox and queued requests from the store. */
  async load(): Promise<void> {
    this.model.state = storedState(await this.store.get<SyncState>(STATE_KEY));
    await this.outbox.load();
    await this.ops.load();
    this.clock = new HybridClock(BigInt(this.model.state.hlc));
    this.model.changed();
  }

  // ---- lifecycle

  connect(): void {
    if (wantsConnection(this.connectionState) || this.connectionState === 'revoked') return;
    this.clearReconnect();
    this.authFailures = 0;
    this.move('connect');
    void this.open();
  }

  disconnect(): void {
    this.clearReconnect();
    this.move('disconnect');
    this.closeTransport('disconnect');
  }

  async stop(): Promise<void> {
    this.clearReconnect();
    this.move('stop');
    this.closeTransport('stop');
    this.failWaiters(new LockstepError(ErrorCode.stopped, 'the client was stopped'));
    await this.writer.flushed();
  }

  /** The browser says the network is back or the page is visible again: retry now instead of waiting. */
  networkHint(online: boolean): void {
    if (!online) {
      if (this.transport) this.closeTransport('dead', CloseCode.abnormal);
      return;
    }
    if (this.connectionState === 'offline' && this.offlineReason === 'network') {
      this.clearReconnect();
      this.backoff.reset();
      this.move('connect');
      void this.open();
    } else if (this.connectionState === 'live') {
      this.ping();
    }
  }

  /** Resolves once connected (after welcome); rejects when the client can no longer connect. */
  whenConnected(): Promise<void> {
    if (this.connectionState === 'syncing' || this.connectionState === 'live') return Promise.resolve();
    if (this.connectionState === 'revoked') return Promise.reject(new LockstepError(ErrorCode.deviceRevoked, 'the device is revoked'));
    return new Promise((resolve, reject) => this.connectWaiters.push({ resolve, reject }));
  }

  /** Resolves when the client is live (the catch-up is applied). */
  whenLive(): Promise<void> {
    if (this.connectionState === 'live') return Promise.resolve();
    if (this.connectionState === 'revoked') return Promise.reject(new LockstepError(ErrorCode.deviceRevoked, 'the device is revoked'));
    return new Promise((resolve, reject) => this.liveWaiters.push({ resolve, reject }));
  }

  /** Resolves when everything up to the server's head at call time is applied and stored. */
  async synced(): Promise<void> {
    for (;;) {
      await this.whenConnected();
      let head: number;
      try {
        head = Number((await this.call({ type: 'sync', since: this.state.cursor, limit: 1 })).head);
      } catch (error) {
        if ((error as LockstepError).code === ErrorCode.stopped) throw error;
        await new Promise((resolve) => setTimeout(resolve, RETRY_SOON_MS));
        continue;
      }
      return new Promise((resolve) => {
        this.syncedWaiters.push({ target: head, resolve });
        this.settleSyncedWaiters(this.durableCursor);
      });
    }
  }

  /** A request that needs the connection; waits for one. Retried after a lost connection when idempotent. */
  async call(frame: Record<string, unknown>, idempotent = true): Promise<Record<string, any>> {
    for (;;) {
      await this.whenConnected();
      try {
        return await this.requests!.send(frame);
      } catch (error) {
        const code = (error as LockstepError).code;
        if (!idempotent || code !== ErrorCode.connectionLost) throw error;
      }
    }
  }

  // ---- sends and queued requests

  flushOutbox(): void {
    if (!this.welcomed || !this.requests) return;
    const requests = this.requests;
    for (const entry of this.outbox.due()) {
      if (this.inFlightSends.has(entry.clientMsgId)) continue;
      const frame = { type: 'send', client_msg_id: entry.clientMsgId, conversation_id: entry.conversationId, body: entry.body };
      if (encodeFrame(frame).length > MAX_FRAME_CHARS) {
        void this.failSend(entry.clientMsgId, new LockstepError(ErrorCode.frameTooLarge, 'the message is larger than the transport allows (1 MiB)'));
        continue;
      }
      this.inFlightSends.add(entry.clientMsgId);
      requests.send(frame).then(
        (reply) => this.onSent(entry.clientMsgId, reply),
        (error: LockstepError) => this.onSendError(entry.clientMsgId, error),
      );
    }
  }

  flushOps(): void {
    if (!this.welcomed || !this.requests) return;
    const requests = this.requests;
    for (const [key, op] of this.ops.entries()) {
      if (this.inFlightOps.has(key)) continue;
      this.inFlightOps.add(key);
      requests.send(decodeOpFrame(op.frame)).then(
        (reply) => this.onOpDone(key, op, reply),
        (error: LockstepError) => this.onOpError(key, op, error),
      );
    }
  }

  private async onSent(clientMsgId: string, reply: Record<string, any>): Promise<void> {
    this.inFlightSends.delete(clientMsgId);
    const seq = Number(reply.seq);
    const convSeq = Number(reply.conv_seq);
    const sent = reply.stream === true ? { state: 'sent' as const, convSeq, stream: true } : { state: 'sent' as const, seq, convSeq };
    const entry = this.outbox.get(clientMsgId);
    if (entry && isApplied({ ...entry, ...sent }, this.state)) await this.outbox.remove(clientMsgId);
    else await this.outbox.update(clientMsgId, sent);
    this.signals.emit('sendSettled', { clientMsgId, seq, convSeq });
    this.model.changed();
  }

  private onSendError(clientMsgId: string, error: LockstepError): void {
    this.inFlightSends.delete(clientMsgId);
    if (error.code === ErrorCode.connectionLost || error.code === ErrorCode.deviceRevoked) return;
    if (RETRYABLE_ERRORS.has(error.code)) {
      setTimeout(() => this.flushOutbox(), RETRY_SOON_MS);
      return;
    }
    void this.failSend(clientMsgId, error);
  }

  private async failSend(clientMsgId: string, error: LockstepError): Promise<void> {
    await this.outbox.update(clientMsgId, { state: 'failed', error: { code: error.code, message: error.message } });
    this.signals.emit('sendSettled', { clientMsgId, error });
    this.model.changed();
  }

  private async onOpDone(key: string, op: QueuedOp, reply: Record<string, any>): Promise<void> {
    this.inFlightOps.delete(key);
    this.applyOpReply(reply);
    await this.ops.done(key, op);
    this.signals.emit('opSettled', { key, reply });
    if (this.ops.get(key)) this.flushOps();
  }

  private async onOpError(key: string, op: QueuedOp, error: LockstepError): Promise<void> {
    this.inFlightOps.delete(key);
    if (error.code === ErrorCode.connectionLost || error.code === ErrorCode.deviceRevoked) return;
    if (RETRYABLE_ERRORS.has(error.code)) {
      setTimeout(() => this.flushOps(), RETRY_SOON_MS);
      return;
    }
    if (error.code === ErrorCode.conflict && error.details.current) {
      const current = error.details.current as Record<string, any>;
      holdSetting(this.state, current.key);
      this.adoptCurrentSetting(current);
    }
    await this.ops.done(key, op);
    this.signals.emit('opSettled', { key, error });
    if (this.ops.get(key)) this.flushOps();
  }

  private applyOpReply(reply: Record<string, any>): void {
    if (reply.type !== 'result' || typeof reply.key !== 'string') return;
    const settings = this.state.settings;
    if (reply.scope === 'device') {
      settings.device[reply.key] = { value: reply.value, version: Number(reply.version) };
      settings.effective[reply.key] = reply.effective;
    } else {
      holdSetting(this.state, reply.key);
      this.adoptCurrentSetting(reply);
      this.clock.observe(reply.server_hlc);
    }
    this.state.hlc = this.clock.value.toString();
    this.writer.schedule();
    this.model.changed();
  }

  private adoptCurrentSetting(current: Record<string, any>): void {
    const settings = this.state.settings;
    const known = settings.account[current.key];
    if (known && known.version > Number(current.version)) return;
    settings.account[current.key] = {
      value: current.value, version: Number(current.version ?? 0),
      hlc: current.hlc === undefined || current.hlc === null ? null : String(current.hlc), deviceId: current.device_id ?? null,
    };
    const own = settings.device[current.key];
    if (own === undefined || own.value === null) settings.effective[current.key] = current.value;
  }

  // ---- the connection

  private async open(): Promise<void> {
    const generation = ++this.generation;
    this.purpose = undefined;
    this.lastError = null;
    this.welcomed = false;
    let token: string;
    try {
      token = await this.options.getToken();
    } catch (error) {
      if (generation !== this.generation) return;
      this.events.emit('error', new LockstepError(ErrorCode.unauthorized, `getToken failed: ${String(error)}`));
      this.goUnauthorized();
      return;
    }
    if (generation !== this.generation || !wantsConnection(this.connectionState)) return;
    const openTransport = this.options.transports[this.transportIndex % this.options.transports.length];
    const requests = new Requests((frame) => this.write(frame));
    try {
      const transport = await openTransport(this.options.url, {
        onOpen: () => generation === this.generation && this.sendHello(token),
        onText: (text) => generation === this.generation && this.onText(text),
        onClose: (info) => generation === this.generation && this.onClose(info.code, info.opened, info.retryAfterMs),
      });
      if (generation !== this.generation || !wantsConnection(this.connectionState)) {
        transport.close();
        return;
      }
      this.transport = transport;
      this.requests = requests;
    } catch (error) {
      if (generation !== this.generation) return;
      this.events.emit('error', new LockstepError(ErrorCode.connectionLost, `could not open the transport: ${String(error)}`));
      this.onClose(CloseCode.abnormal, false, undefined);
      return;
    }
    this.welcomeTimer = setTimeout(() => this.closeTransport('welcome_timeout', CloseCode.abnormal), WELCOME_TIMEOUT_MS);
  }

  private sendHello(token: string): void {
    this.failedOpens = 0;
    this.token = token;
    const state = this.state;
    const hello: Record<string, unknown> = { type: 'hello', id: HELLO_ID, token, batch: true, streams: true };
    if (state.deviceId) {
      hello.device_id = state.deviceId;
      hello.cursor = state.cursor;
    } else {
      if (this.options.deviceName) hello.device_name = this.options.deviceName.slice(0, 128);
      if (this.options.platform) hello.platform = this.options.platform.slice(0, 64);
    }
    this.write(hello);
  }

  private write(frame: Record<string, unknown>): void {
    if (!this.transport) throw new LockstepError(ErrorCode.connectionLost, 'not connected');
    this.transport.send(encodeFrame(frame));
  }

  private onText(text: string): void {
    this.heartbeat.received();
    let frame: Record<string, any>;
    try {
      frame = parseFrame(text);
    } catch {
      this.events.emit('error', new LockstepError(ErrorCode.protocol, 'the server sent a frame that is not JSON'));
      return;
    }
    if (frame.type === 'state') this.convergence.onState(this.state, frame);
    if (this.requests?.onReply(frame)) return;
    switch (frame.type) {
      case 'welcome':
        this.onWelcome(frame);
        return;
      case 'snapshot':
        this.onSnapshot(frame);
        return;
      case 'event':
        this.onEvents([frame as SyncEvent]);
        return;
      case 'events':
        this.onEvents(frame.events as SyncEvent[]);
        return;
      case 'synced':
        if (frame.stream !== undefined) {
          this.settleStream(frame.stream);
          return;
        }
        this.serverHead = Math.max(this.serverHead, Number(frame.head ?? 0));
        this.onSynced();
        return;
      case 'stream_reset':
        this.onStreamReset(frame.stream, Number(frame.head));
        return;
      case 'error':
        this.onErrorFrame(frame);
        return;
      default:
    }
  }

  private onErrorFrame(frame: Record<string, any>): void {
    this.lastError = frame.code;
    if (frame.id === HELLO_ID && frame.code === ErrorCode.cursorAhead) {
      this.dropLocalState('cursor_ahead', true);
      this.sendHello(this.token);
      return;
    }
    if (frame.id === HELLO_ID && frame.code === ErrorCode.rateLimited) {
      // the server keeps the socket open, but a later hello would be refused too: come back after retry_after_ms
      this.events.emit('error', LockstepError.fromFrame(frame));
      this.closeTransport('dead', CloseCode.normal, Number(frame.retry_after_ms ?? 1000));
      return;
    }
    const quiet = [ErrorCode.tokenExpired, ErrorCode.deviceUnknown, ErrorCode.deviceNotOwned] as string[];
    if (!quiet.includes(frame.code)) this.events.emit('error', LockstepError.fromFrame(frame));
  }

  private onWelcome(frame: Record<string, any>): void {
    clearTimeout(this.welcomeTimer);
    const state = this.state;
    const isNew = !state.deviceId;
    state.userId = frame.user_id;
    state.deviceId = frame.device_id;
    this.serverHead = Math.max(this.serverHead, Number(frame.head ?? 0));
    this.welcomed = true;
    this.reregistered = false;
    this.acked = 0;
    this.expectSnapshot = isNew || frame.reset_required === true;
    if (frame.reset_required) this.resetReason = 'reset_required';
    this.welcomeStreams(frame.streams ?? []);
    this.heartbeat.start(Number(frame.heartbeat_ms ?? 30_000));
    this.move('welcome');
    const requests = this.requests!;
    this.attention.connected((attention) => requests.send({ type: 'attention', state: attention }));
    this.connectWaiters.splice(0).forEach((waiter) => waiter.resolve());
    if (isNew) this.writer.schedule();
    this.flushOutbox();
    this.flushOps();
  }

  private onSnapshot(frame: Record<string, any>): void {
    const hadState = this.state.baseline;
    this.model.state = applySnapshot(this.state, frame, this.options.keepMessages);
    this.clock.observe(frame.settings?.server_hlc);
    this.state.hlc = this.clock.value.toString();
    this.expectSnapshot = false;
    this.convergence.reset();
    this.convergence.check(this.state, frame.state_digest);
    const reason = this.resetReason ?? (hadState ? 'snapshot' : null);
    this.resetReason = null;
    this.writer.schedule();
    this.model.changed();
    if (reason) this.events.emit('reset', { reason });
  }

  private onEvents(events: SyncEvent[]): void {
    let revoked = false;
    let applied = 0;
    // the digest is compared after the last stamped event of a batch: the state right after it
    let lastStamped = -1;
    events.forEach((event, index) => event.stream === undefined && event.data?.state_digest !== undefined && (lastStamped = index));
    for (const [index, event] of events.entries()) {
      if (this.expectSnapshot) {
        this.resync(`event ${event.seq} arrived before the snapshot`);
        return;
      }
      const position = event.stream === undefined ? this.state.cursor : this.state.streams[event.stream];
      const order = orderAfter(position, event.seq);
      if (order === 'repeat') continue;
      if (order === 'gap') {
        const log = event.stream === undefined ? 'the event stream' : `stream ${event.stream}`;
        this.resync(`gap in ${log}: expected seq ${position! + 1}, got ${event.seq}`);
        break;
      }
      if (event.stream === undefined) this.serverHead = Math.max(this.serverHead, event.seq);
      const effects = applyEvent(this.state, event, this.options.keepMessages);
      applied++;
      this.events.emit('event', event);
      if (effects.message) this.onMessageApplied(effects.message);
      if (effects.readState) this.events.emit('readState', effects.readState);
      if (effects.settingKey) this.clock.observe(BigInt(this.state.hlc));
      if (effects.revokedSelf) revoked = true;
      if (index === lastStamped) this.convergence.check(this.state, event.data.state_digest);
    }
    if (applied > 0) {
      this.writer.schedule();
      this.model.changed();
    }
    if (revoked) void this.goRevoked();
  }

  /** Welcome lists the user's streams with this device's position in each; their catch-up follows the log's. */
  private welcomeStreams(streams: Array<Record<string, any>>): void {
    this.logSynced = false;
    this.ackedStreams = new Map(streams.map((wire) => [wire.conversation_id, Number(wire.position)]));
    this.awaitingStreams = new Set(streams.map((wire) => wire.conversation_id));
    if (this.expectSnapshot) return;
    const holes = adoptWelcomePositions(this.state, streams);
    if (holes.length === 0) return;
    this.writer.schedule();
    this.model.changed();
    holes.forEach((hole) => this.events.emit('streamReset', hole));
  }

  private onStreamReset(stream: string, head: number): void {
    const hole = continueAfter(this.state, stream, head);
    this.settleStream(stream);
    if (!hole) return;
    this.writer.schedule();
    this.model.changed();
    this.events.emit('streamReset', hole);
  }

  private onMessageApplied(record: Message | Omit<Message, 'state'>): void {
    const message: Message = { ...record, state: 'sent' } as Message;
    const own = message.clientMsgId !== undefined && message.sender.deviceId === this.state.deviceId;
    if (own) {
      const entry = this.outbox.get(message.clientMsgId!);
      if (entry) {
        void this.outbox.remove(message.clientMsgId!);
        if (entry.state !== 'sent') {
          this.signals.emit('sendSettled', { clientMsgId: message.clientMsgId!, seq: message.seq ?? 0, convSeq: message.convSeq! });
        }
      }
    }
    this.events.emit('message', message);
  }

  private onSynced(): void {
    this.state.baseline = true;
    this.authFailures = 0;
    this.logSynced = true;
    this.writer.schedule();
    this.goLiveWhenCaughtUp();
  }

  /** A stream's catch-up ended (its synced, or a stream_reset in place of its backlog). */
  private settleStream(stream: string): void {
    this.awaitingStreams.delete(stream);
    this.goLiveWhenCaughtUp();
  }

  private goLiveWhenCaughtUp(): void {
    if (!this.logSynced || this.awaitingStreams.size > 0 || this.connectionState === 'live') return;
    this.move('synced');
    this.liveWaiters.splice(0).forEach((waiter) => waiter.resolve());
    clearTimeout(this.stableTimer);
    this.stableTimer = setTimeout(() => this.backoff.reset(), STABLE_CONNECTION_MS);
  }

  private onWritten(cursor: number, state: SyncState): void {
    this.durableCursor = cursor;
    if (this.welcomed && this.transport) {
      try {
        if (cursor > this.acked) {
          this.acked = cursor;
          this.write({ type: 'ack', up_to: cursor });
        }
        for (const [stream, position] of Object.entries(state.streams)) {
          if (position <= (this.ackedStreams.get(stream) ?? 0)) continue;
          this.ackedStreams.set(stream, position);
          this.write({ type: 'ack', stream, up_to: position });
        }
      } catch {
        // the connection just ended; the next hello carries the cursor, and the server keeps the stream positions acked so far
      }
    }
    void this.outbox.prune(state);
    this.settleSyncedWaiters(cursor);
    this.signals.emit('persisted', this.state);
  }

  private durableCursor = 0;

  private settleSyncedWaiters(cursor: number): void {
    const ready = this.syncedWaiters.filter((waiter) => waiter.target <= cursor);
    this.syncedWaiters = this.syncedWaiters.filter((waiter) => waiter.target > cursor);
    ready.forEach((waiter) => waiter.resolve());
  }

  private ping(): void {
    this.requests?.send({ type: 'ping' }).catch(() => undefined);
  }

  private resync(why: string): void {
    this.events.emit('error', new LockstepError(ErrorCode.protocol, `${why}; resyncing from cursor ${this.state.cursor}`));
    this.closeTransport('resync');
  }

  private closeTransport(purpose: Purpose, code: number = CloseCode.normal, retryAfterMs?: number): void {
    const transport = this.transport;
    if (!transport) return;
    this.purpose = purpose;
    transport.close(code, purpose);
    this.onClose(code, true, retryAfterMs);
  }

  private onClose(code: number, opened: boolean, retryAfterMs: number | undefined): void {
    const purpose = this.purpose;
    this.purpose = undefined;
    this.generation++;
    this.transport = undefined;
    this.welcomed = false;
    this.heartbeat.stop();
    clearTimeout(this.welcomeTimer);
    clearTimeout(this.stableTimer);
    this.inFlightSends.clear();
    this.inFlightOps.clear();
    this.attention.disconnected();
    this.convergence.reset();
    this.requests?.failAll();
    this.requests = undefined;
    if (purpose === 'disconnect' || purpose === 'stop' || purpose === 'revoked') return;
    if (purpose === 'resync' || purpose === 'reregister') {
      this.move('lost');
      this.scheduleReconnect(0);
      return;
    }
    if (!opened && ++this.failedOpens >= 2 && this.options.transports.length > 1) {
      this.transportIndex++;
      this.failedOpens = 0;
    }
    const action = purpose ? 'reconnect' : decideOnClose(code, this.lastError);
    switch (action) {
      case 'refresh_token':
        if (++this.authFailures > 2) {
          this.goUnauthorized();
          return;
        }
        this.move('lost');
        this.scheduleReconnect(this.backoff.next());
        return;
      case 'revoked':
        void this.goRevoked();
        return;
      case 'reregister':
        this.dropLocalState(this.lastError === ErrorCode.deviceNotOwned ? 'device_not_owned' : 'device_unknown', false);
        this.move('lost');
        this.scheduleReconnect(this.reregistered ? this.backoff.next() : 0);
        this.reregistered = true;
        return;
      case 'replaced':
        this.move('replaced');
        this.failConnectWaiters(new LockstepError(ErrorCode.connectionLost, 'another connection of this device took over'));
        return;
      case 'client_bug':
        this.events.emit('error', new LockstepError(ErrorCode.protocol,
          `the server closed the connection with ${code}: ${code === CloseCode.messageTooBig ? 'a frame was too big' : 'invalid UTF-8'}`));
        this.move('lost');
        this.scheduleReconnect(this.backoff.next());
        return;
      default:
        this.move('lost');
        this.scheduleReconnect(this.backoff.next(retryAfterMs ?? 0));
    }
  }

  private scheduleReconnect(delayMs: number): void {
    this.clearReconnect();
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      if (this.connectionState !== 'offline') return;
      this.move('connect');
      void this.open();
    }, delayMs);
  }

  private clearReconnect(): void {
    if (this.reconnectTimer !== undefined) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
  }

  /** Local state is no longer valid (device gone, server behind): start over, keeping the outbox. */
  private dropLocalState(reason: ResetInfo['reason'], keepDevice: boolean): void {
    const kept = resetState(this.state);
    if (!keepDevice) {
      kept.deviceId = null;
      kept.userId = null;
    }
    this.model.state = kept;
    this.writer.schedule();
    this.model.changed();
    this.events.emit('reset', { reason });
  }

  private goUnauthorized(): void {
    this.clearReconnect();
    this.move('unauthorized');
    this.closeTransport('disconnect');
    this.failConnectWaiters(new LockstepError(ErrorCode.unauthorized, 'the server refused the token'));
  }

  /** The device was revoked: the connection ends, the store is wiped, and the client stays revoked. */
  private async goRevoked(): Promise<void> {
    if (this.connectionState === 'revoked') return;
    this.clearReconnect();
    this.move('revoked');
    this.closeTransport('revoked');
    const error = new LockstepError(ErrorCode.deviceRevoked, 'this device was revoked');
    this.failWaiters(error);
    for (const entry of this.outbox.all()) this.signals.emit('sendSettled', { clientMsgId: entry.clientMsgId, error });
    await this.writer.flushed();
    await this.store.clear();
    await this.outbox.load();
    await this.ops.load();
    this.model.state = emptyState();
    this.model.changed();
  }

  private failConnectWaiters(error: LockstepError): void {
    this.connectWaiters.splice(0).forEach((waiter) => waiter.reject(error));
    this.liveWaiters.splice(0).forEach((waiter) => waiter.reject(error));
  }

  private failWaiters(error: LockstepError): void {
    this.failConnectWaiters(error);
    this.syncedWaiters = [];
  }

  private move(input: ConnectionInput): void {
    const next = transition(this.connectionState, input);
    if (!next.changed && input !== 'disconnect') return;
    this.connectionState = next.state;
    this.offlineReason = next.state === 'live' || next.state === 'syncing' || next.state === 'connecting' ? null : next.reason;
    if (!next.changed) return;
    this.signals.emit('connection', { state: next.state, reason: this.offlineReason });
    this.events.emit('state', { state: next.state, previous: next.previous, reason: this.offlineReason });
  }
}

/** Queued frames keep their stamp as a decimal string (stores hold JSON); on the wire it is a number. */
function decodeOpFrame(frame: Record<string, unknown>): Record<string, unknown> {
  return typeof frame.hlc === 'string' ? { ...frame, hlc: BigInt(frame.hlc) } : frame;
}
