/**
 * Tabs of one origin sharing one device: a Web Lock elects the leader tab, which holds the socket;
 * a BroadcastChannel carries the leader's state and events to the other tabs and their requests
 * to the leader. When the leader tab closes, its lock passes to a waiting tab, which takes over
 * the same device from the shared store. Requests in flight to a departed leader are sent again
 * to the next one.
 */

import { LockstepError } from './errors.js';

type Handler = (method: string, args: unknown[]) => Promise<unknown>;

interface RpcCall { t: 'rpc'; id: string; method: string; args: unknown[] }
interface RpcReply { t: 'reply'; id: string; to: string; ok: boolean; value?: unknown; error?: { code: string; message: string } }
export type HubMessage = { t: string; [field: string]: unknown };

export class TabHub {
  readonly tabId = Math.random().toString(36).slice(2);
  isLeader = false;
  private readonly channel: BroadcastChannel;
  private release: (() => void) | undefined;
  private handler: Handler | undefined;
  private readonly calls = new Map<string, { call: RpcCall; resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  private callSequence = 0;
  private closed = false;

  constructor(private readonly name: string, private readonly onBroadcast: (message: HubMessage) => void) {
    this.channel = new BroadcastChannel(`lockstep:${name}`);
    this.channel.onmessage = (event: MessageEvent) => this.receive(event.data as HubMessage);
  }

  static available(): boolean {
    return typeof BroadcastChannel === 'function' && typeof navigator !== 'undefined'
      && typeof (navigator as { locks?: unknown }).locks === 'object';
  }

  /** Waits in line for leadership; onLeader runs when this tab gets it (at once if no tab holds it). */
  campaign(onLeader: () => Promise<void> | void, handler: Handler): void {
    this.handler = handler;
    void navigator.locks.request(`lockstep:${this.name}`, async () => {
      if (this.closed) return;
      this.isLeader = true;
      await onLeader();
      for (const [id, pending] of this.calls) {
        this.calls.delete(id);
        handler(pending.call.method, pending.call.args).then(pending.resolve, pending.reject);
      }
      this.broadcast({ t: 'leader', tab: this.tabId });
      await new Promise<void>((resolve) => (this.release = resolve));
    });
  }

  broadcast(message: HubMessage): void {
    if (!this.closed) this.channel.postMessage(message);
  }

  /** Calls the leader; sent again if leadership changes before it answers. */
  call(method: string, args: unknown[]): Promise<unknown> {
    const call: RpcCall = { t: 'rpc', id: `${this.tabId}:${this.callSequence++}`, method, args };
    return new Promise((resolve, reject) => {
      this.calls.set(call.id, { call, resolve, reject });
      this.channel.postMessage(call);
    });
  }

  close(): void {
    this.closed = true;
    this.isLeader = false;
    this.release?.();
    for (const pending of this.calls.values()) pending.reject(new LockstepError('stopped', 'the client was stopped'));
    this.calls.clear();
    this.channel.close();
  }

  private receive(message: HubMessage): void {
    if (message.t === 'rpc') {
      if (this.isLeader) void this.serve(message as unknown as RpcCall);
      return;
    }
    if (message.t === 'reply') {
      const reply = message as unknown as RpcReply;
      const pending = this.calls.get(reply.id);
      if (!pending) return;
      this.calls.delete(reply.id);
      if (reply.ok) pending.resolve(reply.value);
      else pending.reject(new LockstepError(reply.error!.code, reply.error!.message));
      return;
    }
    if (message.t === 'leader' && !this.isLeader) {
      for (const pending of this.calls.values()) this.channel.postMessage(pending.call);
    }
    this.onBroadcast(message);
  }

  private async serve(call: RpcCall): Promise<void> {
    const to = call.id.split(':')[0];
    try {
      const value = await this.handler!(call.method, call.args);
      this.broadcast({ t: 'reply', id: call.id, to, ok: true, value });
    } catch (error) {
      const failure = error as LockstepError;
      this.broadcast({ t: 'reply', id: call.id, to, ok: false, error: { code: failure.code ?? 'internal', message: failure.message } });
    }
  }
}
