/**
 * The outbox: sends written to the store before they go out, kept until the server answered
 * `sent` and the message's own event was applied (in the user's log, or in its stream). Each entry has its own key, ordered by creation,
 * so every tab of a device can add to it without overwriting another's.
 */

import type { Store } from './store.js';
import type { SyncState } from './sync_state.js';
import type { PendingSend } from './types.js';

export const OUTBOX_PREFIX = 'outbox/';

export class Outbox {
  private readonly entries = new Map<string, { key: string; entry: PendingSend }>();
  private sequence = 0;
  private readonly writing = new Map<string, { key: string; entry: PendingSend }>();

  constructor(private readonly store: Store) {}

  /** Reads the entries from the store (other tabs add to it); entries still being written are kept. */
  async load(): Promise<void> {
    const stored = await this.store.list<PendingSend>(OUTBOX_PREFIX);
    this.entries.clear();
    for (const [key, entry] of stored) this.entries.set(entry.clientMsgId, { key, entry });
    for (const [clientMsgId, found] of this.writing) this.entries.set(clientMsgId, found);
  }

  /** Adds a send and answers its entry at once; the promise settles when it is stored. */
  add(clientMsgId: string, conversationId: string, body: Record<string, unknown>, now: number): { entry: PendingSend; stored: Promise<void> } {
    const entry: PendingSend = { clientMsgId, conversationId, body, createdAt: now, state: 'pending' };
    const key = `${OUTBOX_PREFIX}${String(now).padStart(15, '0')}-${String(this.sequence++).padStart(6, '0')}-${clientMsgId}`;
    const found = { key, entry };
    this.entries.set(clientMsgId, found);
    this.writing.set(clientMsgId, found);
    const stored = this.store.set(key, entry).finally(() => this.writing.delete(clientMsgId));
    return { entry, stored };
  }

  get(clientMsgId: string): PendingSend | undefined {
    return this.entries.get(clientMsgId)?.entry;
  }

  /** Sends still to go out, oldest first. */
  due(): PendingSend[] {
    return this.ordered().filter((entry) => entry.state === 'pending');
  }

  /** Everything not yet confirmed by its own event: pending, sent-awaiting-event and failed. */
  all(): PendingSend[] {
    return this.ordered();
  }

  async update(clientMsgId: string, change: Partial<PendingSend>): Promise<PendingSend | undefined> {
    const found = this.entries.get(clientMsgId);
    if (!found) return undefined;
    Object.assign(found.entry, change);
    await this.store.set(found.key, found.entry);
    return found.entry;
  }

  async remove(clientMsgId: string): Promise<void> {
    const found = this.entries.get(clientMsgId);
    if (!found) return;
    this.entries.delete(clientMsgId);
    await this.store.delete(found.key);
  }

  /** Drops sent entries whose event is applied. */
  async prune(state: SyncState): Promise<void> {
    for (const entry of this.ordered()) {
      if (entry.state === 'sent' && isApplied(entry, state)) await this.remove(entry.clientMsgId);
    }
  }

  private ordered(): PendingSend[] {
    return [...this.entries.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)).map((found) => found.entry);
  }
}

/** A sent entry's event is applied: its seq is at or below the cursor, or, in a stream, its conv_seq at or below the stream's position. */
export function isApplied(entry: PendingSend, state: SyncState): boolean {
  if (entry.stream) return entry.convSeq! <= (state.streams[entry.conversationId] ?? 0);
  return entry.seq !== undefined && entry.seq <= state.cursor;
}
