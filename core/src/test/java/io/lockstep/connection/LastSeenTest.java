package io.lockstep.connection;

import io.lockstep.store.DeviceStore;
import io.lockstep.test.Eventually;
import io.lockstep.test.LockstepNode;
import io.lockstep.test.TestDevice;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.time.OffsetDateTime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A connected device's last_seen_at: the presence heartbeat stamps it once it is older than
 * {@link DeviceStore#SEEN_RESOLUTION}, and leaves a fresher one alone (no row rewritten per connection
 * per heartbeat); closing the connection stamps it at once.
 */
class LastSeenTest {

  /** A heartbeat every 100 ms (a third of the TTL). */
  @RegisterExtension
  static final LockstepNode NODE = new LockstepNode(new JsonObject()
      .put("presence", new JsonObject().put("ttl", "300ms")));

  @Test
  void theHeartbeatStampsOnlyDevicesLastSeenLongerAgoThanTheResolution() {
    TestDevice stale = NODE.device("lee");
    stale.connectAndSync();
    TestDevice fresh = NODE.device("lee");
    fresh.connectAndSync();
    NODE.sql("UPDATE devices SET last_seen_at = now() - interval '2 days' WHERE device_id = $1", stale.deviceId());
    NODE.sql("UPDATE devices SET last_seen_at = now() - interval '10 seconds' WHERE device_id = $1", fresh.deviceId());
    OffsetDateTime freshBefore = lastSeen(fresh);

    Eventually.await(NODE.vertx(), Duration.ofSeconds(10), () -> lastSeen(stale),
        seen -> seen.isAfter(OffsetDateTime.now().minus(DeviceStore.SEEN_RESOLUTION)),
        "the heartbeat stamping the device last seen two days ago");
    Eventually.pause(NODE.vertx(), Duration.ofMillis(500));
    assertEquals(freshBefore, lastSeen(fresh), "a device stamped 10 s ago is not rewritten by five more heartbeats");

    fresh.disconnect();
    Eventually.await(NODE.vertx(), Duration.ofSeconds(10), () -> lastSeen(fresh), freshBefore::isBefore,
        "closing the connection stamping it");
    assertTrue(lastSeen(fresh).isAfter(OffsetDateTime.now().minusSeconds(5)));
  }

  private static OffsetDateTime lastSeen(TestDevice device) {
    return NODE.sql("SELECT last_seen_at FROM devices WHERE device_id = $1", device.deviceId()).iterator().next()
        .getOffsetDateTime("last_seen_at");
  }
}
