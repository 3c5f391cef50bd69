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

/** session.per_device: replace: a newer socket's hello closes the older socket of the device with 4009. */
class ReplacePolicyTest {

  @RegisterExtension
  static final LockstepNode NODE = new LockstepNode(new JsonObject()
      .put("session", new JsonObject().put("per_device", "replace")));

  @Test
  void theNewestSocketWinsAndTheOlderIsClosedWith4009() {
    String conversation = NODE.group("dot", "eli");
    TestDevice older = NODE.device("dot");
    older.connectAndSync();
    TestDevice newer = NODE.device("dot").withDeviceId(older.deviceId());
    newer.connectAndSync();
    assertEquals(4009, older.awaitClose(Duration.ofSeconds(5)));
    assertFalse(newer.isClosed());

    TestDevice eli = NODE.device("eli");
    eli.connectAndSync();
    eli.sendMessage(conversation, "e1", "to the newest");
    newer.awaitFrame(f -> "message".equals(f.getString("kind")));
    var devices = NODE.request(HttpMethod.GET, "/v1/presence/dot", LockstepNode.API_KEY, null).bodyAsJsonObject()
        .getJsonArray("devices");
    JsonObject presence = devices.getJsonObject(0).getJsonObject("presence");
    assertEquals(1, presence.getInteger("connections"), presence.encode());
    assertTrue(presence.getString("conn") != null);
  }

  @Test
  void anotherDeviceOfTheUserIsNotReplaced() {
    TestDevice phone = NODE.device("fin");
    phone.connectAndSync();
    TestDevice laptop = NODE.device("fin");
    laptop.connectAndSync();
    assertEquals("pong", phone.request(new JsonObject().put("type", "ping")).getString("type"));
    assertFalse(phone.isClosed());
  }
}
