package io.lockstep.conflict;

import io.lockstep.plugin.Contract;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Each standard policy, deployed as the server deploys it and asked over the event bus. */
class StandardConflictPoliciesTest {

  private static Vertx vertx;

  @BeforeAll
  static void deploy() throws Exception {
    vertx = Vertx.vertx();
    StandardConflictPolicies plugin = new StandardConflictPolicies();
    for (var verticle : plugin.verticles()) {
      await(vertx.deployVerticle(verticle.get()));
    }
  }

  @AfterAll
  static void close() throws Exception {
    await(vertx.close());
  }

  @Test
  void lwwKeepsTheLaterClockAndBreaksTiesByDevice() throws Exception {
    JsonObject stored = stored(true, 3, 2000, "phone");
    assertEquals("reject", decide("lww", request(stored, false, null, 1000, "laptop")).getString("action"));
    assertEquals("accept", decide("lww", request(stored, false, null, 3000, "laptop")).getString("action"));
    assertEquals("accept", decide("lww", request(stored, false, null, 2000, "tablet")).getString("action"));
    assertEquals("reject", decide("lww", request(stored, false, null, 2000, "laptop")).getString("action"));
    assertEquals("accept", decide("lww", request(null, false, null, 1, "laptop")).getString("action"));
  }

  @Test
  void arrivalAcceptsEverything() throws Exception {
    assertEquals("accept", decide("arrival", request(stored(1, 9, 9_000, "a"), 0, null, 1, "b")).getString("action"));
  }

  @Test
  void maxKeepsTheLargerNumberAndRefusesOthers() throws Exception {
    JsonObject stored = stored(10, 1, 1, "a");
    assertEquals("accept", decide("max", request(stored, 12, null, 2, "b")).getString("action"));
    JsonObject lower = decide("max", request(stored, 7, null, 2, "b"));
    assertEquals("merge", lower.getString("action"));
    assertEquals(10, lower.getInteger("value"));
    ReplyException notANumber = assertThrows(ReplyException.class, () -> decide("max", request(stored, "x", null, 2, "b")));
    assertTrue(notANumber.getMessage().contains("number"));
  }

  @Test
  void rejectStaleNeedsTheCurrentVersion() throws Exception {
    JsonObject stored = stored("x", 4, 1, "a");
    assertEquals("accept", decide("reject-stale", request(stored, "y", 4L, 2, "b")).getString("action"));
    assertEquals("reject", decide("reject-stale", request(stored, "y", 3L, 2, "b")).getString("action"));
    assertEquals("reject", decide("reject-stale", request(stored, "y", null, 2, "b")).getString("action"));
    assertEquals("accept", decide("reject-stale", request(null, "y", 0L, 2, "b")).getString("action"));
  }

  @Test
  void unionConvergesWhateverTheOrderOfConcurrentAddsAndRemoves() throws Exception {
    JsonObject start = decide("union", request(null, ops("c1", null), null, 1, "a"));
    assertEquals(new JsonArray().add("c1"), start.getJsonArray("value"));
    JsonObject v1 = stored(start.getValue("value"), 1, 1, "a").put("state", start.getValue("state"));

    // phone, offline, saw version 1 and removes c1; laptop, online, adds c1 again and adds c2
    JsonObject laptopFirst = decide("union", request(v1, ops("c1", null).put("add", new JsonArray().add("c1").add("c2")), 1L, 2, "laptop"));
    JsonObject v2 = stored(laptopFirst.getValue("value"), 2, 2, "laptop").put("state", laptopFirst.getValue("state"));
    JsonObject thenPhone = decide("union", request(v2, ops(null, "c1"), 1L, 3, "phone"));

    JsonObject phoneFirst = decide("union", request(v1, ops(null, "c1"), 1L, 3, "phone"));
    JsonObject w2 = stored(phoneFirst.getValue("value"), 2, 3, "phone").put("state", phoneFirst.getValue("state"));
    JsonObject thenLaptop = decide("union", request(w2, new JsonObject().put("add", new JsonArray().add("c1").add("c2")), 1L, 2, "laptop"));

    assertEquals(new JsonArray().add("c1").add("c2"), thenPhone.getJsonArray("value"), "the unseen re-add survives");
    assertEquals(thenPhone.getJsonArray("value"), thenLaptop.getJsonArray("value"), "both orders converge");
  }

  private static JsonObject ops(String add, String remove) {
    return new JsonObject().put("add", add == null ? new JsonArray() : new JsonArray().add(add))
        .put("remove", remove == null ? new JsonArray() : new JsonArray().add(remove));
  }

  private static JsonObject stored(Object value, long version, long hlc, String device) {
    return new JsonObject().put("value", value).put("version", version).put("hlc", hlc).put("device_id", device);
  }

  private static JsonObject request(JsonObject stored, Object value, Long baseVersion, long hlc, String device) {
    return new JsonObject().put("key", "k").put("stored", stored).put("incoming", new JsonObject()
        .put("value", value).put("base_version", baseVersion).put("hlc", hlc).put("device_id", device)
        .put("user_id", "u").put("server_hlc", hlc));
  }

  private static JsonObject decide(String policy, JsonObject request) throws Exception {
    try {
      return await(vertx.eventBus().<JsonObject>request(Contract.CONFLICT_POLICY.address(policy), request)
          .map(Message::body));
    } catch (java.util.concurrent.ExecutionException e) {
      throw (Exception) e.getCause();
    }
  }

  private static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }
}
