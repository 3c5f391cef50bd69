/**
 * A scripted stand-in for the server, for unit tests of the client's state machine: a WebSocket
 * constructor whose sockets record what the client sends and let the test answer frame by frame.
 */

import { encodeFrame, parseFrame } from '../../src/wire_json.js';
import type { WebSocketLike } from '../../src/types.js';

export class FakeSocket implements WebSocketLike {
  readyState = 0;
  onopen: ((event: unknown) => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onclose: ((event: { code: number; reason: string }) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;
  readonly sent: Array<Record<string, any>> = [];
  closedByClient: number | undefined;

  constructor(readonly url: string, private readonly server: FakeServer) {
    server.sockets.push(this);
    setTimeout(() => {
      if (server.refuse) {
        this.readyState = 3;
        this.onclose?.({ code: 1006, reason: '' });
        return;
      }
      this.readyState = 1;
      this.onopen?.({});
    });
  }

  send(data: string): void {
    this.sent.push(parseFrame(data));
    this.server.notify();
  }

  close(code = 1000): void {
    this.closedByClient = code;
    this.readyState = 3;
    setTimeout(() => this.onclose?.({ code, reason: '' }));
  }

  /** The server sends a frame. */
  push(frame: Record<string, unknown>): void {
    this.onmessage?.({ data: encodeFrame(frame) });
  }

  /** The server closes the connection. */
  closeFromServer(code: number): void {
    this.readyState = 3;
    this.onclose?.({ code, reason: '' });
  }

  /** Waits for a frame the client sent. */
  async frame(predicate: (frame: Record<string, any>) => boolean, description = 'a frame'): Promise<Record<string, any>> {
    await this.server.until(() => this.sent.some(predicate), description);
    return this.sent.find(predicate)!;
  }

  /** Answers hello with welcome (listing the given streams) and, for a new device, an empty snapshot. */
  async greet(options: {
    deviceId?: string; head?: number; snapshot?: Record<string, unknown>; resetRequired?: boolean;
    streams?: Array<{ conversation_id: string; position: number; head: number }>;
  } = {}): Promise<Record<string, any>> {
    const hello = await this.frame((frame) => frame.type === 'hello', 'hello');
    const head = options.head ?? 0;
    this.push({
      type: 'welcome', user_id: 'alice', device_id: hello.device_id ?? options.deviceId ?? 'dev-1', cursor: hello.cursor ?? 0,
      head, retention_floor: 0, reset_required: options.resetRequired ?? false, heartbeat_ms: 30_000, streams: options.streams ?? [],
    });
    if (!hello.device_id || options.resetRequired) {
      this.push({ type: 'snapshot', head, conversations: [], total_unread: 0, settings: { account: {}, device: {}, effective: {} }, ...options.snapshot });
    }
    return hello;
  }
}

export class FakeServer {
  readonly sockets: FakeSocket[] = [];
  refuse = false;
  private waiters: Array<() => void> = [];
  readonly WebSocket: new (url: string) => FakeSocket;

  constructor() {
    const server = this;
    this.WebSocket = class extends FakeSocket {
      constructor(url: string) {
        super(url, server);
      }
    };
  }

  get current(): FakeSocket {
    return this.sockets[this.sockets.length - 1];
  }

  /** Waits for the n-th socket (1-based) the client opens. */
  async socket(n: number): Promise<FakeSocket> {
    await this.until(() => this.sockets.length >= n, `connection ${n}`);
    return this.sockets[n - 1];
  }

  notify(): void {
    const waiting = this.waiters;
    this.waiters = [];
    waiting.forEach((wake) => wake());
  }

  async until(check: () => boolean, description: string, timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!check()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${description}`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 10);
      });
    }
  }
}

export function messageEvent(seq: number, conversationId: string, convSeq: number, from: string, extra: Record<string, unknown> = {}) {
  return {
    type: 'event', seq, kind: 'message', ts: 1_700_000_000_000 + seq,
    data: { conversation_id: conversationId, conv_seq: convSeq, sender: { user_id: from, device_id: `${from}-dev` }, body: { text: `m${convSeq}` }, ...extra },
  };
}

/** A message event of a stream: its seq is the message's conv_seq. */
export function streamEvent(stream: string, convSeq: number, from: string, extra: Record<string, unknown> = {}) {
  return { ...messageEvent(convSeq, stream, convSeq, from, extra), stream };
}

/** A snapshot entry of a stream: member_count and no members. */
export function streamSnapshot(id: string, head: number, readUpTo: number, memberCount = 1500) {
  const { members: _members, ...rest } = conversationSnapshot(id, head, readUpTo);
  return { ...rest, stream: true, member_count: memberCount };
}

export function conversationSnapshot(id: string, head: number, readUpTo: number, markedUnread = false) {
  return { conversation_id: id, kind: 'group', title: id, members: ['alice', 'bob'], head, read_up_to: readUpTo, unread: head - readUpTo, marked_unread: markedUnread, last_messages: [] };
}
