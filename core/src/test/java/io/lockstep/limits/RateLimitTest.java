package io.lockstep.limits;

import io.lockstep.test.LockstepNode;
import io.lockstep.test.TestDevice;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.ArrayList;
import java.util.List;

import static io.lockstep.test.LockstepNode.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every rate limit refuses what is over it with rate_limited and retry_after_ms, keeps the connection
 * open, counts the refusal in lockstep_rate_limited_total, writes nothing for it, and leaves other
 * users (and other addresses) alone.
 */
class RateLimitTest {

  @RegisterExtension
  static final LockstepNode NODE = new LockstepNode(new JsonObject().put("limits", new JsonObject()
      .put("sends", scopes(bucket(5, "1s", 5), bucket(8, "1h", 8)))
      .put("frames", scopes(bucket(60, "1s", 60), bucket(1000, "1s", 1000)))
      .put("members", scopes(bucket(10, "1h", 10), bucket(10, "1h", 10)))
      .put("settings", scopes(bucket(3, "1s", 3), bucket(100, "1s", 100)))
      .put("devices", new JsonObject().put("user", bucket(3, "1h", 3)))
      .put("connections_per_user", 2)));

  @Test
  void sendsOverTheConnectionLimitAreRefusedWithRetryAfterAndNothingIsWritten() {
    String conversation = NODE.group("ada", "bob");
    TestDevice phone = NODE.device("ada");
    phone.connectAndSync();
    double before = refused("sends_connection");
    List<JsonObject> answers = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      answers.add(phone.sendMessage(conversation, "s-" + i, "hi " + i));
    }
    long sent = answers.stream().filter(a -> "sent".equals(a.getString("type"))).count();
    JsonObject limited = answers.stream().filter(a -> "rate_limited".equals(a.getString("code"))).findFirst().orElseThrow();
    assertEquals(5, sent, "the burst is served");
    assertEquals("sends_connection", limited.getString("limit"));
    assertTrue(limited.getLong("retry_after_ms") > 0 && limited.getLong("retry_after_ms") <= 1000, limited.encode());
    assertEquals(before + 3, refused("sends_connection"));
    assertEquals(5L, messages(conversation), "a refused send writes nothing");
    assertEquals("pong", phone.request(new JsonObject().put("type", "ping")).getString("type"), "the connection stays open");

    await(NODE.vertx().timer(limited.getLong("retry_after_ms") + 50));
    assertEquals("sent", phone.sendMessage(conversation, "s-5", "after the wait").getString("type"));
    TestDevice bob = NODE.device("bob");
    bob.connectAndSync();
    assertEquals("sent", bob.sendMessage(conversation, "b-0", "another user is not limited").getString("type"));
  }

  @Test
  void theUserLimitHoldsAcrossTheUsersConnections() {
    String conversation = NODE.group("cy", "dee");
    TestDevice phone = NODE.device("cy");
    TestDevice laptop = NODE.device("cy");
    phone.connectAndSync();
    laptop.connectAndSync();
    for (int i = 0; i < 5; i++) {
      for (TestDevice device : List.of(phone, laptop)) {
        device.send(new JsonObject().put("type", "send").put("id", "u-" + i).put("conversation_id", conversation)
            .put("client_msg_id", device.deviceId() + "-" + i).put("body", new JsonObject().put("text", "hi")));
      }
    }
    int sent = 0;
    JsonObject limited = null;
    for (int i = 0; i < 5; i++) {
      for (TestDevice device : List.of(phone, laptop)) {
        String id = "u-" + i;
        JsonObject answer = device.awaitFrame(f -> id.equals(f.getValue("id")));
        if ("sent".equals(answer.getString("type"))) {
          sent++;
        } else if (limited == null) {
          limited = answer;
        }
      }
    }
    assertEquals(8, sent, "eight sends per user, spread over two connections of five each");
    assertNotNull(limited);
    assertEquals("sends_user", limited.getString("limit"));
  }

  @Test
  void aFrameFloodIsAnsweredOnceAndThenNotReadUntilTheBucketRefills() {
    TestDevice flooder = NODE.device("eve");
    flooder.connectAndSync();
    TestDevice neighbour = NODE.device("fay");
    neighbour.connectAndSync();
    double before = refused("frames_connection");
    for (int i = 0; i < 300; i++) {
      flooder.send(new JsonObject().put("type", "ping").put("id", "p" + i));
    }
    JsonObject limited = flooder.awaitFrame(f -> "rate_limited".equals(f.getString("code")));
    assertEquals("frames_connection", limited.getString("limit"));
    assertEquals("pong", neighbour.request(new JsonObject().put("type", "ping")).getString("type"));
    flooder.awaitFrame(f -> "p299".equals(f.getValue("id")));
    long answeredLimited = flooder.frames().stream().filter(f -> "rate_limited".equals(f.getString("code"))).count();
    long pongs = flooder.frames().stream().filter(f -> "pong".equals(f.getString("type"))).count();
    assertEquals(300, answeredLimited + pongs, "every frame got an answer");
    assertTrue(answeredLimited > 0 && answeredLimited < 30, "after a refusal the socket waits for a quarter of the bucket"
        + " instead of refusing every other frame (" + answeredLimited + " refusals)");
    assertEquals(before + answeredLimited, refused("frames_connection"));
  }

  @Test
  void aConversationNamingMoreUsersThanTheMembersBucketHoldsCreatesNobody() {
    TestDevice phone = NODE.device("gus");
    phone.connectAndSync();
    JsonArray crowd = new JsonArray();
    for (int i = 0; i < 50; i++) {
      crowd.add("crowd-" + i);
    }
    JsonObject answer = phone.request(new JsonObject().put("type", "conversation.create").put("kind", "group")
        .put("members", crowd));
    assertEquals("rate_limited", answer.getString("code"));
    assertEquals(0L, NODE.sql("SELECT count(*) AS n FROM users WHERE user_id LIKE 'crowd-%'").iterator().next().getLong("n"),
        "no account was created for the users it named");
    JsonObject small = phone.request(new JsonObject().put("type", "conversation.create").put("kind", "group")
        .put("members", new JsonArray().add("hal").add("ida")));
    assertEquals("result", small.getString("type"), small.encode());
    JsonObject more = phone.request(new JsonObject().put("type", "conversation.create").put("kind", "group")
        .put("members", new JsonArray(List.of("a1", "a2", "a3", "a4", "a5", "a6", "a7", "a8", "a9"))));
    assertEquals("members_connection", more.getString("limit"), "each user named counts: 2 + 9 is over 10");
  }

  @Test
  void settingsWritesAreLimitedPerConnection() {
    TestDevice phone = NODE.device("jo");
    phone.connectAndSync();
    List<String> outcomes = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      JsonObject answer = phone.request(new JsonObject().put("type", "settings.set").put("scope", "device")
          .put("key", "notifications.sound").put("value", "chime-" + i));
      outcomes.add(answer.getString("type").equals("result") ? "ok" : answer.getString("limit"));
    }
    assertEquals(List.of("ok", "ok", "ok", "settings_connection", "settings_connection"), outcomes);
  }

  @Test
  void aUserHasAtMostTheConfiguredConnectionsAndAClosedOneFreesItsPlace() {
    TestDevice first = NODE.device("kim");
    TestDevice second = NODE.device("kim");
    first.connectAndSync();
    second.connectAndSync();
    TestDevice third = NODE.device("kim");
    third.connect();
    JsonObject refused = third.hello();
    assertEquals("rate_limited", refused.getString("code"));
    assertEquals("connections_user", refused.getString("limit"));
    assertFalse(third.isClosed(), "the connection stays open for a later hello");
    assertEquals(2L, NODE.sql("SELECT count(*) AS n FROM devices WHERE user_id = 'kim'").iterator().next().getLong("n"),
        "the refused hello registered no device");
    first.disconnect();
    long deadline = System.currentTimeMillis() + 5000;
    JsonObject answer = third.hello();
    while (!"welcome".equals(answer.getString("type")) && System.currentTimeMillis() < deadline) {
      await(NODE.vertx().timer(50));
      answer = third.hello();
    }
    assertEquals("welcome", answer.getString("type"));
  }

  @Test
  void aUserRegistersAtMostTheDeviceBudgetAndKnownDevicesStillConnect() {
    TestDevice first = NODE.device("lea");
    first.connectAndSync();
    first.disconnect();
    TestDevice second = NODE.device("lea");
    second.connectAndSync();
    second.disconnect();
    var rest = NODE.request(io.vertx.core.http.HttpMethod.POST, "/v1/devices", NODE.token("lea"), new JsonObject());
    assertEquals(201, rest.statusCode(), "the third device, by REST");
    var refusedRest = NODE.request(io.vertx.core.http.HttpMethod.POST, "/v1/devices", NODE.token("lea"), new JsonObject());
    assertEquals(429, refusedRest.statusCode());
    assertEquals("devices_user", refusedRest.bodyAsJsonObject().getString("limit"));
    TestDevice fourth = NODE.device("lea");
    fourth.connect();
    JsonObject refused = fourth.hello();
    assertEquals("devices_user", refused.getString("limit"), refused.encode());
    assertEquals(3L, NODE.sql("SELECT count(*) AS n FROM devices WHERE user_id = 'lea'").iterator().next().getLong("n"));
    TestDevice known = NODE.device("lea").withDeviceId(first.deviceId());
    known.connectAndSync();
    assertEquals("pong", known.request(new JsonObject().put("type", "ping")).getString("type"),
        "a registered device still connects");
  }

  private static double refused(String limit) {
    return NODE.server().metrics().registry().get("lockstep.rate.limited").tag("limit", limit).counter().count();
  }

  private static long messages(String conversation) {
    return NODE.sql("SELECT count(*) AS n FROM messages WHERE conversation_id = $1", conversation).iterator().next().getLong("n");
  }

  static JsonObject bucket(long tokens, String per, long burst) {
    return new JsonObject().put("tokens", tokens).put("per", per).put("burst", burst);
  }

  static JsonObject scopes(JsonObject connection, JsonObject user) {
    return new JsonObject().put("connection", connection).put("user", user);
  }
}
