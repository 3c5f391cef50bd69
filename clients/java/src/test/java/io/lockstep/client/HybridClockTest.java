package io.lockstep.client;

import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HybridClockTest {

  @Test
  void stampsGoForwardWhenTheWallClockStandsStillOrStepsBack() {
    AtomicLong now = new AtomicLong(1_000);
    HybridClock clock = new HybridClock(now::get);
    long first = clock.next();
    assertEquals(1_000L << 16, first);
    assertEquals(first + 1, clock.next(), "same millisecond: the counter moves");
    now.set(900);
    assertEquals(first + 2, clock.next(), "the wall clock stepped back: the stamp does not");
    now.set(2_000);
    assertEquals(2_000L << 16, clock.next());
    assertEquals(2_000, HybridClock.millisOf(2_000L << 16 | 7));
  }

  @Test
  void aServerStampAheadOfTheLocalClockIsNeverUndercut() {
    HybridClock clock = new HybridClock(() -> 1_000);
    long server = (5_000L << 16) + 3;
    clock.observe(server);
    assertTrue(clock.next() > server);
    clock.observe(1);
    assertEquals(server + 2, clock.next(), "an older server stamp changes nothing");
  }
}
