package io.lockstep.test;

import io.vertx.core.Vertx;

import java.time.Duration;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * Waits for a state the server reaches on its own time (a job ran, a key expired), by asking again
 * every 50 ms until the answer is the expected one or the deadline passes. The probes are blocking
 * calls (SQL, Redis, HTTP) made from the test thread; between them it waits on a Vert.x timer.
 */
public final class Eventually {

  private static final long EVERY_MS = 50;

  private Eventually() {
  }

  /** The first answer of the probe that is done; fails naming what did not happen and the last answer. */
  public static <T> T await(Vertx vertx, Duration within, Supplier<T> probe, Predicate<T> done, String what) {
    long deadline = System.nanoTime() + within.toNanos();
    while (true) {
      T answer = probe.get();
      if (done.test(answer)) {
        return answer;
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError(what + " did not happen within " + within + "; last seen: " + answer);
      }
      pause(vertx, Duration.ofMillis(EVERY_MS));
    }
  }

  /** Lets time pass for the test (a client pacing its own frames): completes on a Vert.x timer. */
  public static void pause(Vertx vertx, Duration time) {
    LockstepNode.await(vertx.timer(Math.max(1, time.toMillis())));
  }
}
