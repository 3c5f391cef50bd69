/**
 * Idempotent requests that must reach the server even across restarts: read, mark_unread and
 * settings writes. Each is stored under a key that coalesces it with earlier ones of the same kind
 * (the latest read of a conversation, the latest write of a setting) and sent when connected.
 */

import type { Store } from './store.js';

export const OP_PREFIX = 'op/';

export interface QueuedOp {
  /** The frame to send, without id; bigint stamps are kept as decimal strings under `hlc`. */
  frame: Record<string, unknown>;
  createdAt: number;
}

export class OpQueue {
  private readonly ops = new Map<string, QueuedOp>();

  constructor(private readonly store: Store) {}

  async load(): Promise<void> {
    this.ops.clear();
    for (const [key, op] of await this.store.list<QueuedOp>(OP_PREFIX)) this.ops.set(key.slice(OP_PREFIX.length), op);
  }

  async put(key: string, frame: Record<string, unknown>, now: number): Promise<void> {
    const op = { frame, createdAt: now };
    this.ops.delete(key);
    this.ops.set(key, op);
    await this.store.set(OP_PREFIX + key, op);
  }

  /** Removes the op if it is still the one that was sent (a newer one under the key stays). */
  async done(key: string, sent: QueuedOp): Promise<void> {
    if (this.ops.get(key) !== sent) return;
    this.ops.delete(key);
    await this.store.delete(OP_PREFIX + key);
  }

  entries(): Array<[string, QueuedOp]> {
    return [...this.ops.entries()].sort((a, b) => a[1].createdAt - b[1].createdAt);
  }

  get(key: string): QueuedOp | undefined {
    return this.ops.get(key);
  }
}
