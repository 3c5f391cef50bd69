package io.lockstep.connection;

import io.lockstep.test.Eventually;
import io.lockstep.test.LockstepNode;
import io.lockstep.test.TestDevice;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/** A connection that sends nothing for twice the heartbeat interval is closed; pings keep it open. */
class HeartbeatTest {

  private static final int HEARTBEAT_MS = 300;

  @RegisterExtension
  static final LockstepNode NODE = new LockstepNode(new JsonObject()
      .put("session", new JsonObject().put("heartbeat_ms", HEARTBEAT_MS))
      .put("presence", new JsonObject().put("ttl", "1s")));

  @Test
  void aSilentConnectionIsClosedAndItsPresenceRemoved() {
    TestDevice phone = NODE.device("vic");
    phone.connectAndSync();
    assertEquals(HEARTBEAT_MS, phone.awaitType("welcome").getInteger("heartbeat_ms"));
    assertEquals(1, NODE.redisKeys("presence:vic:*").size());

    assertEquals(4000, phone.awaitClose(Duration.ofSeconds(5)));
    Eventually.await(NODE.vertx(), Duration.ofSeconds(3), () -> NODE.redisKeys("presence:vic:*"), List::isEmpty,
        "the closed connection's presence going");
  }

  @Test
  void pingsKeepTheConnectionAndItsPresenceAlive() {
    TestDevice laptop = NODE.device("wes");
    laptop.connectAndSync();
    long until = System.currentTimeMillis() + 4 * HEARTBEAT_MS + 1500;
    while (System.currentTimeMillis() < until) {
      assertEquals("pong", laptop.request(new JsonObject().put("type", "ping")).getString("type"));
      Eventually.pause(NODE.vertx(), Duration.ofMillis(HEARTBEAT_MS / 3));
    }
    assertFalse(laptop.isClosed());
    assertEquals(1, NODE.redisKeys("presence:wes:*").size(), "the node refreshes presence past its 1 s TTL");
  }
}
