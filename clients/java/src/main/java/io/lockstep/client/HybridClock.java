package io.lockstep.client;

import java.util.function.LongSupplier;

/**
 * The client's hybrid logical clock for settings edits (docs/protocol.md, settings.set): a stamp is
 * milliseconds since the epoch shifted left 16 bits plus a counter. Stamps only go forward, also when
 * the wall clock steps back, and never fall behind a server stamp the client has seen.
 */
public final class HybridClock {

  private final LongSupplier millis;
  private long last;

  public HybridClock() {
    this(System::currentTimeMillis);
  }

  /** A clock reading the given wall clock (for tests). */
  public HybridClock(LongSupplier millis) {
    this.millis = millis;
  }

  /** A stamp for an edit made now: above every stamp given or observed before. */
  public synchronized long next() {
    last = Math.max(millis.getAsLong() << 16, last + 1);
    return last;
  }

  /** Takes in a {@code server_hlc} from a reply or event, so the next stamp is above it. */
  public synchronized void observe(long serverHlc) {
    last = Math.max(last, serverHlc);
  }

  /** The milliseconds part of a stamp. */
  public static long millisOf(long hlc) {
    return hlc >>> 16;
  }
}
