package io.lockstep.connection;

import io.vertx.core.Vertx;

/**
 * Time as a session sees it: the wall clock and one-shot timers on its event loop. Behind an
 * interface so that the delivery and reading machines can be driven by a manual clock in tests.
 */
interface Clock {

  long now();

  /** Runs the action once after the delay; answers an id for {@link #cancelTimer}. */
  long setTimer(long delayMs, Runnable action);

  void cancelTimer(long id);

  /** Wall-clock time and the Vert.x timers of the calling context. */
  static Clock of(Vertx vertx) {
    return new Clock() {
      @Override
      public long now() {
        return System.currentTimeMillis();
      }

      @Override
      public long setTimer(long delayMs, Runnable action) {
        return vertx.setTimer(delayMs, id -> action.run());
      }

      @Override
      public void cancelTimer(long id) {
        vertx.cancelTimer(id);
      }
    };
  }
}
