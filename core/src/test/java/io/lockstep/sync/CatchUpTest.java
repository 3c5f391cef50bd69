package io.lockstep.sync;

import io.lockstep.test.LockstepNode;
import io.lockstep.test.TestDevice;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.ArrayList;
import java.util.List;

import static io.lockstep.sync.MultiDeviceSyncTest.assertSeqsContiguous;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Catch-up over many pages (small pages here, so that the next page is always being read while one is
 * written), one event per frame and, for clients that ask for it, in batches.
 */
class CatchUpTest {

  @RegisterExtension
  static final LockstepNode NODE = new LockstepNode(LockstepNode.unlimitedSends()
      .put("session", new JsonObject().put("catch_up_page", 64)));

  @Test
  void aLongBacklogArrivesWholeInOrderOverPipelinedPagesInBothShapes() {
    String conversation = NODE.group("ivo", "jay");
    TestDevice laptop = NODE.device("ivo");
    laptop.connectAndSync();
    long cursor = laptop.awaitType("synced").getLong("head");
    laptop.disconnect();
    TestDevice phone = NODE.device("jay");
    phone.connectAndSync();
    for (int i = 0; i < 1000; i++) {
      phone.send(new JsonObject().put("type", "send").put("id", i).put("conversation_id", conversation)
          .put("client_msg_id", "j-" + i).put("body", new JsonObject().put("n", i)));
    }
    phone.awaitFrame(f -> Integer.valueOf(999).equals(f.getValue("id")));

    TestDevice oneByOne = NODE.device("ivo").withDeviceId(laptop.deviceId());
    List<JsonObject> events = oneByOne.connectAndSync(new JsonObject().put("cursor", cursor));
    assertEquals(1000, events.size());
    assertSeqsContiguous(events, cursor + 1);
    oneByOne.disconnect();

    TestDevice batched = NODE.device("ivo").withDeviceId(laptop.deviceId());
    batched.connectAndSync(new JsonObject().put("cursor", cursor).put("batch", true));
    List<JsonObject> batches = batched.frames().stream().filter(f -> "events".equals(f.getString("type"))).toList();
    List<JsonObject> unpacked = new ArrayList<>();
    for (JsonObject batch : batches) {
      JsonArray inBatch = batch.getJsonArray("events");
      assertTrue(inBatch.size() <= 500, "a batch holds at most 500 events");
      inBatch.forEach(event -> unpacked.add((JsonObject) event));
    }
    assertTrue(batches.size() >= 2, "a thousand events over pages of 64 come in several batches");
    assertTrue(batched.events().isEmpty(), "no single event frames during a batched catch-up");
    assertEquals(events, unpacked, "the same events, the same order, the same content");
    assertEquals(events.get(999).getLong("seq"), batched.awaitType("synced").getLong("head"));

    phone.sendMessage(conversation, "live-1", "after the catch-up");
    JsonObject live = batched.awaitFrame(f -> "event".equals(f.getString("type")));
    assertEquals(events.get(999).getLong("seq") + 1, live.getLong("seq"), "live events stay one per frame");
  }

  @Test
  void batchMustBeABoolean() {
    TestDevice device = NODE.device("kay");
    device.connect();
    JsonObject answer = device.hello(new JsonObject().put("batch", "yes"));
    assertEquals("error", answer.getString("type"));
    assertEquals("invalid_field", answer.getString("code"));
    assertTrue(answer.getString("message").contains("batch"), answer.encode());
  }
}
