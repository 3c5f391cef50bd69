/** Reconnect delays: exponential with full jitter, reset after a connection that stayed up. */

export interface BackoffOptions {
  minMs?: number;
  maxMs?: number;
  random?: () => number;
}

export class Backoff {
  private attempt = 0;
  private readonly minMs: number;
  private readonly maxMs: number;
  private readonly random: () => number;

  constructor(options: BackoffOptions = {}) {
    this.minMs = options.minMs ?? 500;
    this.maxMs = options.maxMs ?? 20_000;
    this.random = options.random ?? Math.random;
  }

  /** The next delay: uniform in [0, min(max, min·2^attempt)], never below a server's Retry-After. */
  next(atLeastMs = 0): number {
    const ceiling = Math.min(this.maxMs, this.minMs * 2 ** this.attempt);
    this.attempt = Math.min(this.attempt + 1, 30);
    return Math.max(atLeastMs, Math.round(this.random() * ceiling));
  }

  reset(): void {
    this.attempt = 0;
  }

  get attempts(): number {
    return this.attempt;
  }
}
