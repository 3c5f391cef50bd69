/**
 * Writes the local state to the store, one write at a time: changes made while a write runs are
 * folded into the next one. Each finished write reports the cursor it made durable, which is
 * what the client then acknowledges.
 */

import type { Store } from './store.js';
import type { SyncState } from './sync_state.js';

export const STATE_KEY = 'sync';

export class StateWriter {
  private writing = false;
  private dirty = false;
  private idle: Array<() => void> = [];

  constructor(
    private readonly store: Store,
    private readonly current: () => SyncState,
    private readonly written: (cursor: number, state: SyncState) => void,
    private readonly failed: (error: unknown) => void,
  ) {}

  schedule(): void {
    if (this.writing) {
      this.dirty = true;
      return;
    }
    this.writing = true;
    const copy = structuredClone(this.current());
    this.store.set(STATE_KEY, copy).then(
      () => this.finish(() => this.written(copy.cursor, copy)),
      (error) => this.finish(() => this.failed(error)),
    );
  }

  /** Resolves when every change scheduled so far is written. */
  flushed(): Promise<void> {
    if (!this.writing) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  private finish(report: () => void): void {
    this.writing = false;
    report();
    if (this.dirty) {
      this.dirty = false;
      this.schedule();
      return;
    }
    const waiting = this.idle;
    this.idle = [];
    waiting.forEach((resolve) => resolve());
  }
}
