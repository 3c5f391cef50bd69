package io.lockstep.notify;

import io.lockstep.plugin.ServerEvents;
import io.lockstep.test.LockstepNode;
import io.lockstep.test.Ports;
import io.lockstep.test.TestDevice;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;

import static io.lockstep.test.LockstepNode.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Notifications end to end: a real node with the webhook provider plugin pushing to a receiver in the
 * test, which checks every request's signature and records what it got (the same receiver stands in
 * for a Web Push service). Devices register tokens over
 * their connection and then go offline (or stay live) as the scenario needs.
 */
class PushTest {

  private static final String SECRET = "push-test-secret-0123456789";
  private static final int RECEIVER_PORT = Ports.free();

  private static final KeyPair VAPID = p256KeyPair();

  @RegisterExtension
  static final LockstepNode NODE = new LockstepNode(new JsonObject()
      .put("plugins", new JsonObject().put("config", new JsonObject()
          .put("push-webhook", new JsonObject()
              .put("url", "http://127.0.0.1:" + RECEIVER_PORT + "/push").put("secret", SECRET).put("timeout_seconds", 2))
          .put("push-webpush", new JsonObject().put("subject", "mailto:ops@lockstep.example").put("allow_http", true)
              .put("vapid_public_key", base64Url(uncompressed(VAPID)))
              .put("vapid_private_key", base64Url(fixed32(((ECPrivateKey) VAPID.getPrivate()).getS()))))))
      .put("conversations", new JsonObject().put("stream_threshold", 3))
      .put("push", new JsonObject().put("coalesce_window", "1500ms").put("poll_interval", "100ms")
          .put("backoff_base", "100ms").put("backoff_max", "400ms").put("max_attempts", 3)));

  private static HttpServer receiver;
  private static final List<JsonObject> pushes = new ArrayList<>();
  private static final List<String> forged = new ArrayList<>();
  private static final List<String> webPushes = new ArrayList<>();

  @BeforeAll
  static void startReceiver() {
    receiver = await(NODE.vertx().createHttpServer().requestHandler(PushTest::receive).listen(RECEIVER_PORT, "127.0.0.1"));
  }

  @AfterAll
  static void stopReceiver() {
    await(receiver.close());
  }

  /**
   * The webhook at /push answers by token: "gone-…" 410, "down-…" 503, anything else 200; a bad
   * signature 401. Below /webpush/ it is a push service taking Web Push requests (encrypted, so only
   * their path is recorded) with 201.
   */
  private static void receive(HttpServerRequest request) {
    request.body().onSuccess(body -> {
      if (request.path().startsWith("/webpush/")) {
        synchronized (PushTest.class) {
          webPushes.add(request.path() + " " + request.getHeader("Content-Encoding"));
          PushTest.class.notifyAll();
        }
        request.response().setStatusCode(201).end();
        return;
      }
      String timestamp = request.getHeader("X-Lockstep-Timestamp");
      if (!("v1=" + hmac(timestamp + "." + body)).equals(request.getHeader("X-Lockstep-Signature"))) {
        synchronized (PushTest.class) {
          forged.add(body.toString());
        }
        request.response().setStatusCode(401).end();
        return;
      }
      JsonObject push = body.toJsonObject();
      synchronized (PushTest.class) {
        pushes.add(push);
        PushTest.class.notifyAll();
      }
      String token = String.valueOf(push.getValue("token"));
      request.response().setStatusCode(token.startsWith("gone-") ? 410 : token.startsWith("down-") ? 503 : 200).end();
    });
  }

  @Test
  void aMessageIsPushedToTheOfflinePhoneAndNotToTheLiveLaptop() {
    TestDevice laptop = withToken("ada", "ada-laptop-token");
    TestDevice phone = withToken("ada", "ada-phone-token");
    phone.disconnect();
    String conversation = direct("bea", "ada");
    TestDevice bea = online("bea");
    bea.sendMessage(conversation, "m1", "Lunch at noon?");

    JsonObject push = awaitPush(p -> "ada-phone-token".equals(p.getValue("token")));
    assertEquals("message", push.getString("kind"));
    assertEquals(phone.deviceId(), push.getString("device_id"));
    assertEquals("bea", push.getString("title"), "the sender, under the default text preview");
    assertEquals("Lunch at noon?", push.getString("body"));
    assertEquals(1, push.getInteger("badge"));
    assertEquals(conversation, push.getString("collapse_id"));
    assertEquals(1, push.getJsonObject("data").getInteger("conv_seq"));
    awaitOutboxEmpty();
    assertTrue(pushesFor("ada-laptop-token").isEmpty(), "the live laptop gets the message over its connection, not a push");
    assertEquals(1, pushesFor("ada-phone-token").size());
    laptop.awaitFrame(f -> "message".equals(f.getString("kind")));
  }

  @Test
  void aStreamsBurstReachesItsOfflineMemberAsThrottledPushesEndingWithTheNewest() {
    TestDevice phone = withToken("kai", "kai-phone-token");
    phone.disconnect();
    withToken("lou", "lou-laptop-token");
    String stream = NODE.group("jax", "kai", "lou", "mia");
    TestDevice jax = online("jax");
    for (int n = 1; n <= 6; n++) {
      jax.sendMessage(stream, "b" + n, n == 6 ? "the newest" : "burst " + n);
    }

    JsonObject newest = awaitPush(p -> "kai-phone-token".equals(p.getValue("token")) && "the newest".equals(p.getString("body")));
    assertEquals(stream, newest.getString("collapse_id"));
    assertEquals("jax", newest.getString("title"));
    assertEquals(6, newest.getJsonObject("data").getInteger("conv_seq"));
    assertEquals(6, newest.getInteger("badge"), "the badge counts the stream's unread messages");
    awaitOutboxEmpty();
    assertTrue(pushesFor("kai-phone-token").size() <= 2,
        "one push at the start of the window, one with the newest at its end: " + pushesFor("kai-phone-token"));
    assertTrue(pushesFor("lou-laptop-token").isEmpty(), "a member online is not pushed");
  }

  @Test
  void aMutedConversationIsNotPushedAndAnOverrideUnmutesOneDevice() {
    TestDevice phone = withToken("cem", "cem-phone-token");
    TestDevice tablet = withToken("cem", "cem-tablet-token");
    String muted = direct("dov", "cem");
    String other = NODE.group("dov", "cem", "eli");
    phone.request(setting("conversation." + muted + ".muted", "account", true));
    phone.disconnect();
    tablet.disconnect();
    TestDevice dov = online("dov");
    dov.sendMessage(muted, "m1", "you will not hear of this");
    dov.sendMessage(other, "m2", "but of this");

    JsonObject phonePush = awaitPush(p -> "cem-phone-token".equals(p.getValue("token")));
    assertEquals(other, phonePush.getString("collapse_id"));
    assertEquals(1, phonePush.getJsonObject("data").getInteger("coalesced"), "the muted message never joined the push");
    assertEquals(2, phonePush.getInteger("badge"), "muting silences, it does not hide the unread count");
    awaitOutboxEmpty();

    phone.connectAndSync();
    phone.request(setting("conversation." + muted + ".muted", "device", false));
    phone.disconnect();
    dov.sendMessage(muted, "m3", "now only the phone hears of this");
    JsonObject unmuted = awaitPush(p -> "cem-phone-token".equals(p.getValue("token")) && muted.equals(p.getString("collapse_id")));
    assertEquals("now only the phone hears of this", unmuted.getString("body"));
    awaitOutboxEmpty();
    assertTrue(pushesFor("cem-tablet-token").stream().noneMatch(p -> muted.equals(p.getString("collapse_id"))),
        "the tablet keeps the account's mute");
  }

  @Test
  void aReadOnTheLaptopSendsASilentBadgeUpdateToThePhone() {
    TestDevice laptop = withToken("fay", "fay-laptop-token");
    TestDevice phone = withToken("fay", "fay-phone-token");
    phone.disconnect();
    String conversation = direct("gus", "fay");
    online("gus").sendMessage(conversation, "m1", "ping");
    awaitPush(p -> "fay-phone-token".equals(p.getValue("token")) && "message".equals(p.getString("kind")));
    awaitOutboxEmpty();

    laptop.awaitFrame(f -> "message".equals(f.getString("kind")));
    laptop.request(new JsonObject().put("type", "read").put("conversation_id", conversation).put("up_to", 1));
    JsonObject badge = awaitPush(p -> "fay-phone-token".equals(p.getValue("token")) && "badge".equals(p.getString("kind")));
    assertEquals(0, badge.getInteger("badge"));
    assertEquals(conversation, badge.getString("collapse_id"));
    assertNull(badge.getString("body"), "a badge update is silent");
    assertTrue(pushesFor("fay-laptop-token").isEmpty(), "the reading device gets nothing");
  }

  @Test
  void aReadBeforeThePushLeavesTheOfflineDeviceOnlyASilentUpdate() {
    TestDevice laptop = withToken("hal", "hal-laptop-token");
    TestDevice phone = withToken("hal", "hal-phone-token");
    phone.disconnect();
    String conversation = direct("ivy", "hal");
    online("ivy").sendMessage(conversation, "m1", "already read elsewhere");
    laptop.awaitFrame(f -> "message".equals(f.getString("kind")));
    laptop.request(new JsonObject().put("type", "read").put("conversation_id", conversation).put("up_to", 1));

    JsonObject push = awaitPush(p -> "hal-phone-token".equals(p.getValue("token")));
    assertEquals("badge", push.getString("kind"), "the pending message push became a badge update when it was read");
    assertEquals(0, push.getInteger("badge"));
    awaitOutboxEmpty();
    assertEquals(1, pushesFor("hal-phone-token").size());
  }

  @Test
  void aTokenRegisteredByAnotherDeviceMovesToIt() {
    TestDevice oldPhone = withToken("jon", "shared-install-token");
    TestDevice newPhone = online("kim");
    JsonObject moved = withTokenReply(newPhone, "shared-install-token");
    assertEquals("moved", moved.getString("outcome"));
    assertNull(devicePush("jon", oldPhone.deviceId()), "the old holder lost the token");
    assertEquals("webhook", devicePush("kim", newPhone.deviceId()).getString("provider"));
    assertTrue(tokenMetric("moved") >= 1);
    oldPhone.disconnect();
    newPhone.disconnect();

    String conversation = direct("lee", "jon");
    String kims = direct("lee", "kim");
    TestDevice lee = online("lee");
    lee.sendMessage(conversation, "m1", "to jon");
    lee.sendMessage(kims, "m2", "to kim");
    JsonObject push = awaitPush(p -> "shared-install-token".equals(p.getValue("token")));
    assertEquals("kim", push.getString("user_id"));
    awaitOutboxEmpty();
    assertEquals(1, pushesFor("shared-install-token").size(), "jon's message is not pushed to kim's token");
  }

  @Test
  void aDeadTokenIsPrunedAfterTheProviderSaysGone() {
    TestDevice phone = withToken("max", "gone-max-token");
    phone.disconnect();
    assertNotNull(devicePush("max", phone.deviceId()));
    online("ned").sendMessage(direct("ned", "max"), "m1", "hello?");
    awaitPush(p -> "gone-max-token".equals(p.getValue("token")));
    awaitUntil("the token is pruned", () -> devicePush("max", phone.deviceId()) == null);
    awaitOutboxEmpty();
    awaitUntil("the provider's counters show the prune (written once per worker batch)", () -> NODE.sql(
        "SELECT 1 FROM push_stats WHERE provider = 'webhook' AND pruned >= 1").size() == 1);
    assertTrue(stats("webhook").getLong("pruned") >= 1);
    assertTrue(tokenMetric("pruned") >= 1);
  }

  @Test
  void aPushThatKeepsFailingIsRetriedThenDeadLettered() {
    TestDevice phone = withToken("ola", "down-ola-token");
    phone.disconnect();
    online("pia").sendMessage(direct("pia", "ola"), "m1", "anyone?");
    awaitUntil("the push is dead-lettered", () -> NODE.sql(
        "SELECT 1 FROM push_outbox WHERE device_id = $1 AND state = 'dead'", phone.deviceId()).size() == 1);
    Row dead = NODE.sql("SELECT attempts, last_error FROM push_outbox WHERE device_id = $1", phone.deviceId())
        .iterator().next();
    assertEquals(3, dead.getInteger("attempts"));
    assertTrue(dead.getString("last_error").contains("503"), dead.getString("last_error"));
    assertEquals(3, pushesFor("down-ola-token").size(), "one request per attempt, max_attempts in all");
    assertNotNull(devicePush("ola", phone.deviceId()), "a failing provider does not cost the device its token");
  }

  @Test
  void aBurstIsCoalescedIntoOnePushWithTheLatestBadge() {
    TestDevice phone = withToken("quin", "quin-phone-token");
    phone.disconnect();
    String conversation = direct("rae", "quin");
    TestDevice rae = online("rae");
    for (int i = 1; i <= 50; i++) {
      rae.send(new JsonObject().put("type", "send").put("id", i).put("client_msg_id", "burst-" + i)
          .put("conversation_id", conversation).put("body", new JsonObject().put("text", "message " + i)));
    }
    rae.awaitFrame(f -> "sent".equals(f.getString("type")) && "burst-50".equals(f.getString("client_msg_id")));
    JsonObject push = awaitPush(p -> "quin-phone-token".equals(p.getValue("token")));
    awaitOutboxEmpty();
    assertEquals(1, pushesFor("quin-phone-token").size(), "fifty messages, one push");
    assertEquals(50, push.getInteger("badge"));
    assertEquals("message 50", push.getString("body"), "the latest message is the one shown");
    assertEquals(50, push.getJsonObject("data").getInteger("coalesced"));
  }

  @Test
  void aCoalescedPushShowsTheNewestMessageWhateverOrderItsEnqueuesLandIn() {
    TestDevice phone = withToken("uli", "uli-phone-token");
    phone.disconnect();
    String conversation = direct("vera", "uli");
    List<String> texts = List.of("first", "second", "third");
    for (int i = texts.size(); i >= 1; i--) {
      NODE.vertx().eventBus().publish(ServerEvents.MESSAGE, new JsonObject().put("conversation_id", conversation)
          .put("conv_seq", i).put("sender", new JsonObject().put("user_id", "vera").put("device_id", "vera-phone"))
          .put("body", new JsonObject().put("text", texts.get(i - 1))).put("ts", System.currentTimeMillis())
          .put("members", new JsonArray().add("vera").add("uli"))
          .put("member_seqs", new JsonArray().add(100 + i).add(10 + i)), new DeliveryOptions().setLocalOnly(true));
      int enqueued = texts.size() - i + 1;
      awaitUntil("message " + i + " is folded into the pending push", () -> NODE.sql(
          "SELECT 1 FROM push_outbox WHERE device_id = $1 AND state = 'pending' AND coalesced = $2",
          phone.deviceId(), enqueued).size() == 1);
    }
    JsonObject push = awaitPush(p -> "uli-phone-token".equals(p.getValue("token")));
    assertEquals("third", push.getString("body"), "the newest message is shown though it was enqueued first");
    assertEquals(3, push.getJsonObject("data").getInteger("conv_seq"));
    assertEquals(3, push.getJsonObject("data").getInteger("coalesced"));
    awaitOutboxEmpty();
  }

  @Test
  void aMessageReadElsewhereBeforeItsPushIsQueuedIsNotPushed() {
    TestDevice laptop = withToken("wes", "wes-laptop-token");
    TestDevice phone = withToken("wes", "wes-phone-token");
    phone.disconnect();
    String conversation = direct("xan", "wes");
    online("xan").sendMessage(conversation, "m1", "read on the laptop at once");
    laptop.awaitFrame(f -> "message".equals(f.getString("kind")));
    laptop.request(new JsonObject().put("type", "read").put("conversation_id", conversation).put("up_to", 1));
    awaitPush(p -> "wes-phone-token".equals(p.getValue("token")) && "badge".equals(p.getString("kind")));
    awaitOutboxEmpty();
    int before = pushesFor("wes-phone-token").size();

    NODE.vertx().eventBus().publish(ServerEvents.MESSAGE, new JsonObject().put("conversation_id", conversation)
        .put("conv_seq", 1).put("sender", new JsonObject().put("user_id", "xan").put("device_id", "xan-phone"))
        .put("body", new JsonObject().put("text", "read on the laptop at once")).put("ts", System.currentTimeMillis())
        .put("members", new JsonArray().add("wes").add("xan"))
        .put("member_seqs", new JsonArray().add(2).add(2)), new DeliveryOptions().setLocalOnly(true));
    online("xan").sendMessage(conversation, "m2", "a new one");
    JsonObject next = awaitPush(p -> "wes-phone-token".equals(p.getValue("token")) && "message".equals(p.getString("kind")));
    assertEquals("a new one", next.getString("body"));
    assertEquals(1, next.getJsonObject("data").getInteger("coalesced"), "the late enqueue of the read message added nothing");
    awaitOutboxEmpty();
    assertEquals(before + 1, pushesFor("wes-phone-token").size());
  }

  @Test
  void pushesInTheOutboxSurviveARestartAndAreSentOnce() {
    TestDevice phone = withToken("sam", "sam-phone-token");
    phone.disconnect();
    online("tia").sendMessage(direct("tia", "sam"), "m1", "before the restart");
    awaitUntil("the push is in the outbox", () -> NODE.sql(
        "SELECT 1 FROM push_outbox WHERE device_id = $1 AND state = 'pending'", phone.deviceId()).size() == 1);
    NODE.restart();
    JsonObject push = awaitPush(p -> "sam-phone-token".equals(p.getValue("token")));
    assertEquals("before the restart", push.getString("body"));
    awaitOutboxEmpty();
    assertEquals(1, pushesFor("sam-phone-token").size());
  }

  @Test
  void aSubscriptionObjectIsAWebPushTokenAndIsPushedToItsEndpoint() {
    JsonObject subscription = new JsonObject().put("endpoint", "http://127.0.0.1:" + RECEIVER_PORT + "/webpush/wen-1")
        .put("keys", new JsonObject().put("p256dh", base64Url(uncompressed(p256KeyPair())))
            .put("auth", base64Url(new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16})));
    TestDevice browser = online("wen");
    JsonObject registered = browser.request(new JsonObject().put("type", "push.register").put("id", "w1")
        .put("provider", "webpush").put("token", subscription));
    assertEquals("registered", registered.getString("outcome"), registered.encode());
    browser.disconnect();
    online("xia").sendMessage(direct("xia", "wen"), "m1", "to the browser");
    awaitUntil("the push service gets the push", () -> webPushesTo("/webpush/wen-1 aes128gcm"));
    awaitOutboxEmpty();

    JsonObject sameEndpoint = subscription.copy().put("keys", new JsonObject()
        .put("p256dh", base64Url(uncompressed(p256KeyPair()))).put("auth", "AAAAAAAAAAAAAAAAAAAAAA"));
    TestDevice again = NODE.device("wen").withDeviceId(browser.deviceId());
    again.connectAndSync();
    assertEquals("unchanged", again.request(new JsonObject().put("type", "push.register").put("id", "w2")
        .put("provider", "webpush").put("token", sameEndpoint)).getString("outcome"), "a subscription is its endpoint");
    assertEquals("AAAAAAAAAAAAAAAAAAAAAA", NODE.sql("SELECT push_token #>> '{keys,auth}' AS auth FROM devices"
        + " WHERE device_id = $1", browser.deviceId()).iterator().next().getString("auth"),
        "the stored subscription has the new keys");
  }

  @Test
  void aSubscriptionObjectIsRefusedForAProviderThatTakesOnlyStrings() {
    TestDevice phone = withToken("wim", "wim-token");
    JsonObject subscription = new JsonObject().put("endpoint", "https://push.example.net/s/wim-1")
        .put("keys", new JsonObject().put("p256dh", base64Url(uncompressed(p256KeyPair())))
            .put("auth", "AAAAAAAAAAAAAAAAAAAAAA"));
    assertRefused(phone, new JsonObject().put("provider", "webhook").put("token", subscription), "token");
    assertEquals("wim-token", NODE.sql("SELECT push_token #>> '{}' AS token FROM devices WHERE device_id = $1",
        phone.deviceId()).iterator().next().getString("token"), "the string token registered before is kept");

    TestDevice laptop = online("wim");
    assertRefused(laptop, new JsonObject().put("provider", "webhook").put("token", subscription), "token");
    assertNull(devicePush("wim", laptop.deviceId()), "nothing is stored for a device that had no token");
    assertEquals(0, NODE.sql("SELECT 1 FROM devices WHERE push_token_key = $1", "https://push.example.net/s/wim-1")
        .size());
  }

  @Test
  void pushesForAProviderThisNodeDoesNotServeAreLeftForNodesThatDo() {
    NODE.sql("INSERT INTO push_outbox (user_id, device_id, provider, kind, conversation_id, due_at)"
        + " VALUES ('yan', 'a-device-of-another-node', 'carrier-pigeon', 'badge', 'c-elsewhere', now())");
    TestDevice phone = withToken("zed", "zed-phone-token");
    phone.disconnect();
    online("abe").sendMessage(direct("abe", "zed"), "m1", "after the foreign push");
    awaitPush(p -> "zed-phone-token".equals(p.getValue("token")));
    Row foreign = NODE.sql("SELECT state, attempts FROM push_outbox WHERE provider = 'carrier-pigeon'").iterator().next();
    assertEquals("pending", foreign.getString("state"), "not taken, so not failed for want of a provider");
    assertEquals(0, foreign.getInteger("attempts"));
    NODE.sql("DELETE FROM push_outbox WHERE provider = 'carrier-pigeon'");
  }

  @Test
  void badRegistrationsAreRefusedAndChangeNothing() {
    TestDevice phone = withToken("uma", "uma-token");
    assertRefused(phone, new JsonObject().put("provider", "carrier-pigeon").put("token", "x"), "provider");
    assertRefused(phone, new JsonObject().put("token", "x"), "provider");
    assertRefused(phone, new JsonObject().put("provider", "webhook"), "token");
    assertRefused(phone, new JsonObject().put("provider", "webhook").put("token", 42), "token");
    assertRefused(phone, new JsonObject().put("provider", "webhook").put("token", "  "), "token");
    assertRefused(phone, new JsonObject().put("provider", "webhook").put("token", "x".repeat(5000)), "token");
    assertRefused(phone, new JsonObject().put("provider", "webhook").put("token", new JsonObject().put("keys", 1)), "token");
    assertEquals("uma-token", NODE.sql("SELECT push_token #>> '{}' AS token FROM devices WHERE device_id = $1",
        phone.deviceId()).iterator().next().getString("token"), "the token registered before is kept");

    JsonObject again = withTokenReply(phone, "uma-token");
    assertEquals("unchanged", again.getString("outcome"));
    assertEquals("replaced", withTokenReply(phone, "uma-token-2").getString("outcome"));
    JsonObject removed = phone.request(new JsonObject().put("type", "push.unregister").put("id", "u1"));
    assertTrue(removed.getBoolean("removed"));
    assertFalse(phone.request(new JsonObject().put("type", "push.unregister").put("id", "u2")).getBoolean("removed"));
    assertNull(devicePush("uma", phone.deviceId()));
  }

  @Test
  void theDeviceListShowsProviderAndTokenAgeButNeverTheToken() {
    TestDevice phone = withToken("vic", "vic-secret-token");
    String listed = NODE.request(HttpMethod.GET, "/v1/devices", NODE.token("vic"), null).bodyAsString();
    assertFalse(listed.contains("vic-secret-token"), listed);
    JsonObject push = devicePush("vic", phone.deviceId());
    assertEquals("webhook", push.getString("provider"));
    assertTrue(push.getLong("token_age_seconds") >= 0 && push.getLong("token_age_seconds") < 60);

    NODE.request(HttpMethod.DELETE, "/v1/devices/" + phone.deviceId(), NODE.token("vic"), null);
    assertEquals(0, NODE.sql("SELECT 1 FROM devices WHERE device_id = $1 AND push_token IS NOT NULL",
        phone.deviceId()).size(), "revoking a device deletes its token");
  }

  // ---- helpers

  private static TestDevice withToken(String user, String token) {
    TestDevice device = online(user);
    assertEquals("result", withTokenReply(device, token).getString("type"));
    return device;
  }

  private static JsonObject withTokenReply(TestDevice device, String token) {
    return device.request(new JsonObject().put("type", "push.register").put("id", "r-" + token.hashCode())
        .put("provider", "webhook").put("token", token));
  }

  private static void assertRefused(TestDevice device, JsonObject frame, String field) {
    JsonObject reply = device.request(frame.put("type", "push.register").put("id", "bad-" + frame.hashCode()));
    assertEquals("error", reply.getString("type"), reply.encode());
    assertEquals("invalid_field", reply.getString("code"), reply.encode());
    assertTrue(reply.getString("message").contains(field), reply.encode());
  }

  private static TestDevice online(String user) {
    TestDevice device = NODE.device(user);
    device.connectAndSync();
    return device;
  }

  private static String direct(String from, String to) {
    JsonObject body = new JsonObject().put("kind", "direct").put("members", new JsonArray().add(from).add(to));
    return NODE.request(HttpMethod.POST, "/v1/server/conversations", LockstepNode.API_KEY, body).bodyAsJsonObject()
        .getJsonObject("conversation").getString("conversation_id");
  }

  private static JsonObject setting(String key, String scope, Object value) {
    return new JsonObject().put("type", "settings.set").put("id", key + scope).put("key", key).put("scope", scope)
        .put("value", value);
  }

  private static JsonObject devicePush(String user, String deviceId) {
    JsonArray devices = NODE.request(HttpMethod.GET, "/v1/devices", NODE.token(user), null).bodyAsJsonObject()
        .getJsonArray("devices");
    for (int i = 0; i < devices.size(); i++) {
      if (devices.getJsonObject(i).getString("device_id").equals(deviceId)) {
        return devices.getJsonObject(i).getJsonObject("push");
      }
    }
    throw new AssertionError("device " + deviceId + " is not listed");
  }

  private static JsonObject stats(String provider) {
    Row row = NODE.sql("SELECT sent, failed, pruned FROM push_stats WHERE provider = $1", provider).iterator().next();
    return new JsonObject().put("sent", row.getLong("sent")).put("failed", row.getLong("failed"))
        .put("pruned", row.getLong("pruned"));
  }

  private static double tokenMetric(String event) {
    return NODE.server().metrics().registry().find("lockstep.push.tokens").tag("event", event).counters().stream()
        .mapToDouble(counter -> counter.count()).sum();
  }

  private static synchronized boolean webPushesTo(String pathAndEncoding) {
    return webPushes.contains(pathAndEncoding);
  }

  private static synchronized List<JsonObject> pushesFor(String token) {
    return pushes.stream().filter(p -> token.equals(p.getValue("token"))).toList();
  }

  private static synchronized JsonObject awaitPush(Predicate<JsonObject> match) {
    long deadline = System.currentTimeMillis() + 20_000;
    while (true) {
      assertTrue(forged.isEmpty(), "the receiver got a request with a bad signature: " + forged);
      for (JsonObject push : pushes) {
        if (match.test(push)) {
          return push;
        }
      }
      long left = deadline - System.currentTimeMillis();
      if (left <= 0) {
        throw new AssertionError("no such push arrived; got " + pushes);
      }
      try {
        PushTest.class.wait(left);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted");
      }
    }
  }

  /** Waits until no push is pending or being sent (dead letters stay, and do not count). */
  private static void awaitOutboxEmpty() {
    awaitUntil("the outbox drains", () -> NODE.sql(
        "SELECT 1 FROM push_outbox WHERE state IN ('pending', 'sending')").size() == 0);
  }

  private static void awaitUntil(String what, BooleanSupplier condition) {
    long deadline = System.currentTimeMillis() + 20_000;
    while (!condition.getAsBoolean()) {
      if (System.currentTimeMillis() > deadline) {
        throw new AssertionError("timed out waiting until " + what);
      }
      await(NODE.vertx().timer(50));
    }
  }

  private static String hmac(String signed) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(SECRET.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      return HexFormat.of().formatHex(mac.doFinal(signed.getBytes(StandardCharsets.UTF_8)));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static KeyPair p256KeyPair() {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
      generator.initialize(new ECGenParameterSpec("secp256r1"));
      return generator.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The public key as Web Push writes it: 0x04, then x and y in 32 bytes each. */
  private static byte[] uncompressed(KeyPair keys) {
    ECPublicKey key = (ECPublicKey) keys.getPublic();
    byte[] point = new byte[65];
    point[0] = 4;
    System.arraycopy(fixed32(key.getW().getAffineX()), 0, point, 1, 32);
    System.arraycopy(fixed32(key.getW().getAffineY()), 0, point, 33, 32);
    return point;
  }

  private static byte[] fixed32(BigInteger number) {
    byte[] bytes = number.toByteArray();
    byte[] fixed = new byte[32];
    int length = Math.min(bytes.length, 32);
    System.arraycopy(bytes, bytes.length - length, fixed, 32 - length, length);
    return fixed;
  }

  private static String base64Url(byte[] bytes) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }
}
