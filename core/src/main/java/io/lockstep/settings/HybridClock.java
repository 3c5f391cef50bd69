package io.lockstep.settings;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The node's hybrid logical clock: a stamp is milliseconds since the epoch shifted left by 16 bits
 * plus a logical counter, so stamps order like wall-clock time and never repeat or go back. Client
 * stamps more than the allowed skew ahead of the server's clock are clamped to it.
 */
public final class HybridClock {

  private static final int LOGICAL_BITS = 16;

  private final AtomicLong last = new AtomicLong();
  private final long maxSkewMs;

  public HybridClock(Duration maxSkew) {
    this.maxSkewMs = maxSkew.toMillis();
  }

  /** A new stamp, after every stamp this clock issued or observed. */
  public long tick() {
    long physical = System.currentTimeMillis() << LOGICAL_BITS;
    return last.updateAndGet(previous -> Math.max(previous + 1, physical));
  }

  /** A client's stamp, clamped to at most the allowed skew ahead of now; the clock moves past it. */
  public long accept(long clientStamp) {
    long ceiling = (System.currentTimeMillis() + maxSkewMs) << LOGICAL_BITS;
    long stamp = Math.min(clientStamp, ceiling);
    last.updateAndGet(previous -> Math.max(previous, stamp));
    return stamp;
  }

  public static long millis(long stamp) {
    return stamp >>> LOGICAL_BITS;
  }
}
