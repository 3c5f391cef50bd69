package io.lockstep.ops;

import io.lockstep.test.Eventually;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static io.lockstep.test.LockstepNode.await;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** An event loop held up by blocking code shows as event-loop lag, and the lag passes once it is free. */
class EventLoopLagTest {

  @Test
  void blockingAnEventLoopForHalfASecondShowsAsLagThatLaterPasses() throws InterruptedException {
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(2).setBlockedThreadCheckInterval(60_000));
    EventLoopLag lag = new EventLoopLag(300);
    try {
      lag.start(vertx);
      Eventually.pause(vertx, Duration.ofMillis(400));
      assertTrue(lag.millis() < 250, "an idle Vert.x has no lag worth the name: " + lag.millis());
      vertx.runOnContext(v -> sleep(500));
      double seen = Eventually.await(vertx, Duration.ofSeconds(3), lag::millis, ms -> ms >= 300, "lag of the blocked loop");
      assertTrue(seen < 2000, "measured, not made up: " + seen);
      Eventually.await(vertx, Duration.ofSeconds(3), lag::millis, ms -> ms < 250, "the lag passes after two windows");
    } finally {
      lag.stop();
      await(vertx.close());
    }
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
