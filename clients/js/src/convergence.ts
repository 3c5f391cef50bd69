/**
 * Proves that the local state converged with the server's. Right after each event the server
 * stamped with `state_digest` (and each snapshot) it takes the digest's items from the local state,
 * then hashes and compares them; on a mismatch it asks for a repair (one at a time), applies the
 * server's `state` reply in its place in the event stream, checks that the state now matches, and
 * reports the divergence. A repair that fails or does not converge pauses repairs (30 s, doubling
 * up to 30 min).
 */

import { applyState } from './apply_state.js';
import { ErrorCode } from './codes.js';
import { LockstepError } from './errors.js';
import { canDigest, DigestHasher, digestItems } from './state_digest.js';
import type { SyncState } from './sync_state.js';
import type { Divergence } from './types.js';

const FIRST_PAUSE_MS = 30_000;

export interface ConvergenceHooks {
  /** Sends `repair {digest}` on the current connection; fails when the connection ends first. */
  requestRepair(digest: string): Promise<unknown>;
  /** The server's state replaced the local one: store it and tell the app. */
  replaced(): void;
  divergence(report: Divergence): void;
  error(error: LockstepError): void;
}

export class Convergence {
  private readonly hasher = new DigestHasher();
  private checks = Promise.resolve();
  /** Bumped whenever the local state is replaced or the connection changes: checks of an older state are dropped. */
  private epoch = 0;
  private repairing = false;
  private pausedUntil = 0;
  private pauseMs = FIRST_PAUSE_MS;
  private saidUnavailable = false;

  constructor(private readonly hooks: ConvergenceHooks) {}

  /** Compares the state as it is now, right after a stamped event or snapshot, with the server's stamp. */
  check(state: SyncState, stamp: unknown): void {
    if (typeof stamp !== 'string' || !this.available()) return;
    const items = digestItems(state);
    const epoch = this.epoch;
    this.then(async () => {
      const local = await this.hasher.digest(items);
      if (local === stamp) this.pauseMs = FIRST_PAUSE_MS;
      if (local === stamp || epoch !== this.epoch || this.repairing || Date.now() < this.pausedUntil) return;
      this.repairing = true;
      this.hooks.requestRepair(local).catch((error: LockstepError) => {
        this.repairing = false;
        if (error.code !== ErrorCode.connectionLost) this.pause(error);
      });
    });
  }

  /** The server's `state` reply, in its place in the event stream: applied at once, then verified. */
  onState(state: SyncState, frame: Record<string, any>): void {
    this.epoch++;
    if (frame.seq !== state.cursor) {
      this.repairing = false;
      this.hooks.error(new LockstepError(ErrorCode.protocol, `state at seq ${frame.seq} arrived at cursor ${state.cursor}`));
      return;
    }
    const differences = applyState(state, frame);
    this.hooks.replaced();
    const items = digestItems(state);
    this.then(async () => {
      const repaired = (await this.hasher.digest(items)) === frame.state_digest;
      this.repairing = false;
      this.hooks.divergence({ seq: frame.seq, diverged: frame.diverged === true, repaired, ...differences });
      if (!repaired) this.pause(new LockstepError(ErrorCode.stateDiverged, `the state still differs from the server's after a repair at seq ${frame.seq}`));
    });
  }

  /** The local state was rebuilt, or the connection changed: comparisons still running are of another state. */
  reset(): void {
    this.epoch++;
  }

  private pause(error: LockstepError): void {
    this.pausedUntil = Date.now() + this.pauseMs;
    this.pauseMs = Math.min(2 * this.pauseMs, 60 * FIRST_PAUSE_MS);
    this.hooks.error(error);
  }

  private available(): boolean {
    const available = canDigest();
    if (!available && !this.saidUnavailable) {
      this.saidUnavailable = true;
      this.hooks.error(new LockstepError(ErrorCode.digestUnavailable, 'no WebCrypto (crypto.subtle) here: state digests are not verified'));
    }
    return available;
  }

  private then(task: () => Promise<void>): void {
    this.checks = this.checks.then(task).catch((error) => this.hooks.error(new LockstepError(ErrorCode.protocol, String(error))));
  }
}
