package io.lockstep.connection;

import io.lockstep.client.Transport;
import io.lockstep.test.LockstepNode;
import io.lockstep.test.TestDevice;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every bad input gets an error frame with a stable code and a sentence, and changes nothing. */
class BadInputTest {

  @RegisterExtension
  static final LockstepNode NODE = new LockstepNode();

  @Test
  void idsInAFrameNeverChooseWhoTheRequestActsFor() {
    TestDevice mallory = NODE.device("mallory");
    TestDevice victim = NODE.device("victim");
    mallory.connectAndSync();
    victim.connectAndSync();
    String shared = NODE.group("mallory", "victim");
    String victimsOwn = NODE.group("victim", "vic-friend");

    JsonObject spoofed = mallory.request(new JsonObject().put("type", "send").put("conversation_id", shared)
        .put("client_msg_id", "spoof").put("body", new JsonObject().put("text", "hi"))
        .put("user_id", "victim").put("device_id", victim.deviceId()).put("sender", "victim"));
    assertEquals("sent", spoofed.getString("type"), spoofed.encode());
    JsonObject data = victim.awaitFrame(f -> "message".equals(f.getString("kind"))).getJsonObject("data");
    assertEquals("mallory", data.getJsonObject("sender").getString("user_id"));
    assertEquals(mallory.deviceId(), data.getJsonObject("sender").getString("device_id"));

    JsonObject intoTheirs = mallory.request(new JsonObject().put("type", "send").put("conversation_id", victimsOwn)
        .put("client_msg_id", "spoof-2").put("body", new JsonObject()).put("user_id", "victim"));
    assertEquals("not_member", intoTheirs.getString("code"));
    JsonObject readTheirs = mallory.request(new JsonObject().put("type", "read").put("conversation_id", victimsOwn)
        .put("up_to", 0).put("user_id", "victim"));
    assertEquals("not_member", readTheirs.getString("code"));
    JsonObject ackTheirs = mallory.request(new JsonObject().put("type", "ack").put("id", 1).put("up_to", 0)
        .put("device_id", victim.deviceId()).put("user_id", "victim"));
    assertEquals("acked", ackTheirs.getString("type"));
    assertEquals(0L, NODE.sql("SELECT count(*) AS n FROM messages WHERE conversation_id = $1", victimsOwn)
        .iterator().next().getLong("n"));
  }

  @Test
  void malformedFramesAreRefusedAndTheConnectionStaysOpen() {
    TestDevice phone = NODE.device("ada");
    phone.connectAndSync();
    String conversation = NODE.group("ada", "bea");
    JsonObject accepted = phone.sendMessage(conversation, "keep-me", "accepted before the bad input");

    phone.sendRaw("{not json");
    assertError(phone, "bad_frame");
    phone.sendRaw("[1, 2, 3]");
    assertError(phone, "bad_frame");
    assertEquals("unknown_type", phone.request(new JsonObject().put("type", "teleport")).getString("code"));
    JsonObject noType = phone.request(new JsonObject().put("conversation_id", conversation));
    assertEquals("invalid_field", noType.getString("code"));
    assertTrue(noType.getString("message").contains("type"));

    JsonObject noBody = phone.request(new JsonObject().put("type", "send").put("conversation_id", conversation)
        .put("client_msg_id", "x"));
    assertEquals("invalid_field", noBody.getString("code"));
    assertTrue(noBody.getString("message").contains("body"));
    JsonObject numericId = phone.request(new JsonObject().put("type", "send").put("conversation_id", conversation)
        .put("client_msg_id", 5).put("body", new JsonObject()));
    assertEquals("invalid_field", numericId.getString("code"));
    assertTrue(numericId.getString("message").contains("client_msg_id"));
    JsonObject stringBody = phone.request(new JsonObject().put("type", "send").put("conversation_id", conversation)
        .put("client_msg_id", "y").put("body", "text"));
    assertEquals("invalid_field", stringBody.getString("code"));

    String huge = "x".repeat(70 * 1024);
    phone.send(new JsonObject().put("type", "send").put("conversation_id", conversation)
        .put("client_msg_id", "big").put("body", new JsonObject().put("text", huge)));
    assertError(phone, "frame_too_large");

    JsonObject foreign = phone.sendMessage(NODE.group("cy", "di"), "z", "not mine");
    assertEquals("not_member", foreign.getString("code"));
    assertEquals("not_found", phone.sendMessage("missing", "z2", "nowhere").getString("code"));

    assertEquals("pong", phone.request(new JsonObject().put("type", "ping")).getString("type"), "still open");
    assertFalse(phone.isClosed());
    assertEquals(1L, NODE.sql("SELECT count(*) AS n FROM messages WHERE conversation_id = $1", conversation)
        .iterator().next().getLong("n"), "only the accepted message exists");
    JsonObject retry = phone.sendMessage(conversation, "keep-me", "accepted before the bad input");
    assertEquals(accepted.getLong("seq"), retry.getLong("seq"), "what was accepted before is intact");
  }

  @Test
  void cursorsMustBeNonNegativeIntegersAndNotAheadOfTheHead() {
    TestDevice phone = NODE.device("eda");
    phone.connectAndSync();
    long head = phone.awaitType("synced").getLong("head");
    for (Object bad : new Object[] {-1, 1.5, "3", true}) {
      JsonObject answer = phone.request(new JsonObject().put("type", "ack").put("up_to", bad));
      assertEquals("invalid_field", answer.getString("code"), "up_to " + bad);
      assertTrue(answer.getString("message").contains("up_to"));
    }
    assertEquals("cursor_ahead", phone.request(new JsonObject().put("type", "ack").put("up_to", head + 1)).getString("code"));
    assertEquals("invalid_field", phone.request(new JsonObject().put("type", "sync").put("since", -5)).getString("code"));

    TestDevice other = NODE.device("eda").withDeviceId(phone.deviceId());
    other.connect();
    assertEquals("invalid_field", other.hello(new JsonObject().put("cursor", -1)).getString("code"));
    assertEquals("cursor_ahead", other.hello(new JsonObject().put("cursor", head + 100)).getString("code"));
    assertEquals("welcome", other.hello(new JsonObject().put("cursor", head)).getString("type"),
        "a refused hello leaves the connection open for a correct one");
  }

  @Test
  void framesBeforeHelloAreNotReady() {
    TestDevice phone = NODE.device("fin");
    phone.connect();
    JsonObject early = phone.request(new JsonObject().put("type", "send").put("conversation_id", "c")
        .put("client_msg_id", "m").put("body", new JsonObject()));
    assertEquals("not_ready", early.getString("code"));
    assertEquals("not_ready", phone.request(new JsonObject().put("type", "ping")).getString("code"));
    assertEquals("welcome", phone.hello().getString("type"));
    assertEquals("already_greeted", phone.request(new JsonObject().put("type", "hello").put("token", "t")).getString("code"));
  }

  @Test
  void badExpiredAndUnsignedTokensAreRefusedAndTheConnectionCloses() {
    JWTAuth sameSecret = JWTAuth.create(NODE.vertx(), new JWTAuthOptions()
        .addPubSecKey(new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(LockstepNode.JWT_SECRET)));
    long past = System.currentTimeMillis() / 1000 - 120;
    String expired = sameSecret.generateToken(new JsonObject().put("sub", "gia").put("exp", past),
        new JWTOptions().setNoTimestamp(true));
    assertRefused(expired, "token_expired");

    String header = base64("{\"alg\":\"none\",\"typ\":\"JWT\"}");
    String payload = base64("{\"sub\":\"gia\"}");
    assertRefused(header + "." + payload + ".", "unauthorized");

    JWTAuth otherKey = JWTAuth.create(NODE.vertx(), new JWTAuthOptions()
        .addPubSecKey(new PubSecKeyOptions().setAlgorithm("HS256").setBuffer("another-secret-another-secret-0123456789")));
    assertRefused(otherKey.generateToken(new JsonObject().put("sub", "gia")), "unauthorized");
    assertRefused("garbage", "unauthorized");
    assertEquals(0L, NODE.sql("SELECT count(*) AS n FROM users WHERE user_id = 'gia'").iterator().next().getLong("n"),
        "a refused hello creates no account");
  }

  private static void assertRefused(String token, String code) {
    TestDevice device = NODE.deviceWithToken(token, Transport.WEBSOCKET);
    device.connect();
    assertEquals(code, device.hello().getString("code"));
    assertEquals(4001, device.awaitClose(Duration.ofSeconds(5)));
  }

  @Test
  void aMissingTokenIsAFieldError() {
    TestDevice device = NODE.device("hal");
    device.connect();
    device.send(new JsonObject().put("type", "hello"));
    JsonObject answer = device.awaitType("error");
    assertEquals("invalid_field", answer.getString("code"));
    assertTrue(answer.getString("message").contains("token"));
  }

  @Test
  void badRestBodiesGetJsonErrors() {
    var response = NODE.request(io.vertx.core.http.HttpMethod.POST, "/v1/server/conversations", LockstepNode.API_KEY,
        new JsonObject().put("kind", "group").put("members", new JsonArray().add("")));
    assertEquals(400, response.statusCode());
    assertEquals("invalid_field", response.bodyAsJsonObject().getString("code"));
  }

  private static void assertError(TestDevice device, String code) {
    JsonObject error = device.awaitFrame(f -> "error".equals(f.getString("type")) && code.equals(f.getString("code"))
        && !f.containsKey("id"));
    assertTrue(error.getString("message").length() > 10, "the error carries a sentence");
  }

  private static String base64(String json) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(json.getBytes(StandardCharsets.UTF_8));
  }
}
