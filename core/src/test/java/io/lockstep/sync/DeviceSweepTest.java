package io.lockstep.sync;

import io.lockstep.test.Eventually;
import io.lockstep.test.LockstepNode;
import io.lockstep.test.TestDevice;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The device lifecycle: unlink after drain revokes once the device has acked up to the head of the
 * request (or at the deadline), idle devices are revoked, stale push tokens dropped, each with what a
 * revoke does (the event to the other devices, the connection closed, the cursor frozen).
 */
class DeviceSweepTest {

  @RegisterExtension
  static final LockstepNode NODE = new LockstepNode(new JsonObject()
      .put("devices", new JsonObject().put("sweep_interval", "200ms").put("max_idle", "30d"))
      .put("plugins", new JsonObject().put("config", new JsonObject().put("push-webhook", new JsonObject()
          .put("url", "http://127.0.0.1:9/push").put("secret", "device-sweep-test-secret")))));

  @Test
  void aLaptopUnlinkedAfterDrainIsRevokedOnceItHasAckedTheHeadOfTheRequest() {
    String chat = NODE.group("ann", "bob");
    TestDevice laptop = NODE.device("ann");
    laptop.connectAndSync();
    long start = laptop.awaitType("synced").getLong("head");
    laptop.request(new JsonObject().put("type", "ack").put("up_to", start));
    laptop.disconnect();
    TestDevice bob = NODE.device("bob");
    bob.connectAndSync();
    bob.sendMessage(chat, "b1", "while the laptop was away");
    bob.sendMessage(chat, "b2", "and another");
    TestDevice phone = NODE.device("ann");
    phone.connectAndSync();

    HttpResponse<Buffer> unlink = NODE.request(HttpMethod.DELETE, "/v1/devices/" + laptop.deviceId() + "?after_drain=true",
        NODE.token("ann"), null);
    assertEquals(202, unlink.statusCode(), unlink.bodyAsString());
    JsonObject drain = unlink.bodyAsJsonObject().getJsonObject("drain");
    long upTo = drain.getLong("up_to");
    assertTrue(upTo >= start + 2, "the head at the request: " + unlink.bodyAsString());
    assertTrue(drain.getLong("deadline") > System.currentTimeMillis() + Duration.ofDays(6).toMillis());
    Eventually.pause(NODE.vertx(), Duration.ofMillis(600));
    assertNull(NODE.sql("SELECT revoked_at FROM devices WHERE device_id = $1", laptop.deviceId()).iterator().next()
        .getOffsetDateTime("revoked_at"), "not before it has synced");

    laptop.connect();
    assertEquals("welcome", laptop.hello(new JsonObject().put("device_id", laptop.deviceId())).getString("type"));
    laptop.awaitType("synced");
    laptop.request(new JsonObject().put("type", "ack").put("up_to", upTo - 1));
    Eventually.pause(NODE.vertx(), Duration.ofMillis(600));
    assertFalse(laptop.isClosed(), "one event short of the drain point is not drained");
    laptop.request(new JsonObject().put("type", "ack").put("up_to", upTo));
    assertEquals(4003, laptop.awaitClose(Duration.ofSeconds(10)), "drained: revoked and closed");
    JsonObject revoked = phone.awaitFrame(f -> "device".equals(f.getString("kind"))
        && "revoked".equals(f.getJsonObject("data").getString("action")));
    assertEquals(laptop.deviceId(), revoked.getJsonObject("data").getJsonObject("device").getString("device_id"));
    assertEquals(upTo, NODE.sql("SELECT cursor FROM devices WHERE device_id = $1", laptop.deviceId()).iterator().next()
        .getLong("cursor"), "the cursor stays where the drain left it");
  }

  @Test
  void aDrainedDeviceIsRevokedAtOnceAndAnOverdueDrainAtItsDeadline() {
    TestDevice synced = NODE.device("cal");
    synced.connectAndSync();
    synced.request(new JsonObject().put("type", "ack").put("up_to", synced.awaitType("synced").getLong("head")));
    synced.disconnect();
    TestDevice behind = NODE.device("cal");
    behind.connectAndSync();
    behind.disconnect();
    TestDevice watcher = NODE.device("cal");
    watcher.connectAndSync();

    HttpResponse<Buffer> atOnce = NODE.request(HttpMethod.DELETE, "/v1/devices/" + behind.deviceId() + "?after_drain=true",
        NODE.token("cal"), null);
    assertEquals(202, atOnce.statusCode(), "its cursor is behind the events of the devices added since");
    NODE.sql("UPDATE devices SET drain_deadline = now() - interval '1 second' WHERE device_id = $1", behind.deviceId());
    Eventually.await(NODE.vertx(), Duration.ofSeconds(10),
        () -> NODE.sql("SELECT revoked_at FROM devices WHERE device_id = $1", behind.deviceId())
            .iterator().next().getOffsetDateTime("revoked_at") != null, Boolean.TRUE::equals, "revoked at its deadline");

    long head = NODE.sql("SELECT head FROM users WHERE user_id = 'cal'").iterator().next().getLong("head");
    NODE.sql("UPDATE devices SET cursor = $2 WHERE device_id = $1", synced.deviceId(), head);
    HttpResponse<Buffer> drained = NODE.request(HttpMethod.DELETE, "/v1/devices/" + synced.deviceId() + "?after_drain=true",
        NODE.token("cal"), null);
    assertEquals(200, drained.statusCode(), drained.bodyAsString());
    assertFalse(drained.bodyAsJsonObject().containsKey("drain"), "nothing left to drain: revoked now");
    assertNotNull(NODE.sql("SELECT revoked_at FROM devices WHERE device_id = $1", synced.deviceId()).iterator().next()
        .getOffsetDateTime("revoked_at"));
  }

  @Test
  void badUnlinksAreRefusedAndChangeNothing() {
    TestDevice device = NODE.device("dee");
    device.connectAndSync();
    HttpResponse<Buffer> bad = NODE.request(HttpMethod.DELETE, "/v1/devices/" + device.deviceId() + "?after_drain=soon",
        NODE.token("dee"), null);
    assertEquals(400, bad.statusCode());
    assertEquals("invalid_field", bad.bodyAsJsonObject().getString("code"));
    HttpResponse<Buffer> foreign = NODE.request(HttpMethod.DELETE, "/v1/devices/" + device.deviceId() + "?after_drain=true",
        NODE.token("eve"), null);
    assertEquals(403, foreign.statusCode());
    assertNull(NODE.sql("SELECT drain_up_to FROM devices WHERE device_id = $1", device.deviceId()).iterator().next()
        .getLong("drain_up_to"));
    assertFalse(device.isClosed());
  }

  @Test
  void anIdleDeviceIsRevokedAndAStaleTokenDropped() {
    TestDevice idle = NODE.device("fay");
    idle.connectAndSync();
    idle.disconnect();
    TestDevice stale = NODE.device("fay");
    stale.connectAndSync();
    assertEquals("result", stale.request(new JsonObject().put("type", "push.register").put("provider", "webhook")
        .put("token", "fay-stale-token")).getString("type"));
    TestDevice watcher = NODE.device("fay");
    watcher.connectAndSync();

    NODE.sql("UPDATE devices SET last_seen_at = now() - interval '31 days', created_at = now() - interval '40 days'"
        + " WHERE device_id = $1", idle.deviceId());
    NODE.sql("UPDATE devices SET push_token_at = now() - interval '61 days' WHERE device_id = $1", stale.deviceId());
    JsonObject revoked = watcher.awaitFrame(f -> "device".equals(f.getString("kind"))
        && "revoked".equals(f.getJsonObject("data").getString("action")));
    assertEquals(idle.deviceId(), revoked.getJsonObject("data").getJsonObject("device").getString("device_id"));
    Eventually.await(NODE.vertx(), Duration.ofSeconds(10),
        () -> NODE.sql("SELECT push_token FROM devices WHERE device_id = $1", stale.deviceId())
            .iterator().next().getValue("push_token") == null, Boolean.TRUE::equals, "the stale token is dropped");
    assertFalse(stale.isClosed(), "a device with a stale token is not revoked: it registers a fresh token on its next start");
    assertNull(NODE.sql("SELECT revoked_at FROM devices WHERE device_id = $1", watcher.deviceId()).iterator().next()
        .getOffsetDateTime("revoked_at"), "a device seen lately is kept");
  }
}
