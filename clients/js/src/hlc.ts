/**
 * The client's hybrid logical clock, as the server's: milliseconds since the epoch shifted left by
 * 16 bits plus a counter. Stamps never repeat or go back, and move past every server stamp seen.
 */

const LOGICAL_BITS = 16n;

export class HybridClock {
  private last: bigint;

  constructor(last: bigint = 0n, private readonly now: () => number = Date.now) {
    this.last = last;
  }

  /** A stamp for a change made now. */
  tick(): bigint {
    const physical = BigInt(Math.floor(this.now())) << LOGICAL_BITS;
    this.last = physical > this.last ? physical : this.last + 1n;
    return this.last;
  }

  /** Moves the clock past a stamp from the server (`server_hlc`). */
  observe(stamp: bigint | null | undefined): void {
    if (typeof stamp === 'bigint' && stamp > this.last) this.last = stamp;
  }

  get value(): bigint {
    return this.last;
  }

  static millis(stamp: bigint): number {
    return Number(stamp >> LOGICAL_BITS);
  }
}
