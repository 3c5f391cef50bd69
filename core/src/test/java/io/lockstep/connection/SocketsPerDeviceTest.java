package io.lockstep.connection;

import io.lockstep.test.LockstepNode;
import io.lockstep.test.TestDevice;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * session.per_device: allow (the default): several sockets of one device are all served, and the
 * device is online until the last one closes. And a refused hello leaves nothing behind.
 */
class SocketsPerDeviceTest {

  @RegisterExtension
  static final LockstepNode NODE = new LockstepNode();

  @Test
  void twoSocketsOfOneDeviceAreBothServedAndTheDeviceStaysOnlineUntilTheLastCloses() {
    String conversation = NODE.group("ana", "ben");
    TestDevice older = NODE.device("ana");
    older.connectAndSync();
    TestDevice newer = NODE.device("ana").withDeviceId(older.deviceId());
    newer.connectAndSync();
    assertEquals(2, presence("ana", older.deviceId()).getInteger("connections"));

    newer.disconnect();
    awaitConnections("ana", older.deviceId(), 1);
    assertTrue(online("ana", older.deviceId()), "closing the newer socket leaves the device online");
    TestDevice ben = NODE.device("ben");
    ben.connectAndSync();
    ben.sendMessage(conversation, "b1", "still there?");
    assertEquals("still there?", older.awaitFrame(f -> "message".equals(f.getString("kind")))
        .getJsonObject("data").getJsonObject("body").getString("text"), "the older socket still gets live events");

    older.disconnect();
    awaitConnections("ana", older.deviceId(), 0);
    assertFalse(online("ana", older.deviceId()), "the last socket takes the device offline");
  }

  @Test
  void refusedHellosCreateNoDeviceNoEventAndNoPresence() {
    TestDevice phone = NODE.device("cal");
    phone.connectAndSync();
    long head = phone.awaitType("synced").getLong("head");
    for (int i = 0; i < 5; i++) {
      TestDevice ahead = NODE.device("cal");
      ahead.connect();
      assertEquals("cursor_ahead", ahead.hello(new JsonObject().put("cursor", head + 10)).getString("code"));
      ahead.disconnect();
    }
    assertEquals(1L, NODE.sql("SELECT count(*) AS n FROM devices WHERE user_id = 'cal'").iterator().next().getLong("n"),
        "no device for a refused hello");
    assertEquals(head, NODE.sql("SELECT head FROM users WHERE user_id = 'cal'").iterator().next().getLong("head"),
        "no event either");
    assertEquals(1, NODE.redisKeys("presence:cal:*").size(), "and no presence");
    assertEquals("pong", phone.request(new JsonObject().put("type", "ping")).getString("type"));
    assertTrue(phone.events().stream().noneMatch(e -> "device".equals(e.getString("kind"))),
        "the user's other device heard of no new device");
  }

  @Test
  void welcomeCarriesTheHellosId() {
    TestDevice device = NODE.device("dan");
    device.connect();
    device.send(new JsonObject().put("type", "hello").put("id", "h-1").put("token", NODE.token("dan")));
    assertEquals("h-1", device.awaitType("welcome").getString("id"));
  }

  private static JsonObject presence(String user, String deviceId) {
    var devices = NODE.request(HttpMethod.GET, "/v1/presence/" + user, LockstepNode.API_KEY, null).bodyAsJsonObject()
        .getJsonArray("devices");
    for (int i = 0; i < devices.size(); i++) {
      if (devices.getJsonObject(i).getString("device_id").equals(deviceId)) {
        JsonObject presence = devices.getJsonObject(i).getJsonObject("presence");
        return presence == null ? new JsonObject().put("connections", 0) : presence;
      }
    }
    throw new AssertionError("no device " + deviceId);
  }

  private static boolean online(String user, String deviceId) {
    return presence(user, deviceId).getInteger("connections") > 0;
  }

  private static void awaitConnections(String user, String deviceId, int count) {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (presence(user, deviceId).getInteger("connections") != count) {
      assertTrue(System.nanoTime() < deadline, "presence did not reach " + count + " connections");
      LockstepNode.await(NODE.vertx().timer(20));
    }
  }
}
