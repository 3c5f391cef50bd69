package io.lockstep.push.webpush;

import io.lockstep.plugin.Contract;
import io.lockstep.plugin.PluginContext;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.util.Base64;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The webpush provider deployed through its plugin, as the server deploys it, driven over the event
 * bus, delivering to a local push service ({@link FakePushService}) for browsers whose keys only the
 * test holds ({@link UserAgent}): every delivered message is decrypted and read back.
 */
class WebPushProviderTest {

  private static final String ADDRESS = Contract.PUSH_PROVIDER.address("webpush");
  private static final String SUBJECT = "mailto:ops@lockstep.example";

  private static Vertx vertx;
  private static FakePushService pushService;
  private static String vapidPublicKey;
  private static JsonObject config;
  private static UserAgent browser;

  @BeforeAll
  static void start() throws Exception {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
    generator.initialize(new ECGenParameterSpec("secp256r1"));
    var vapid = generator.generateKeyPair();
    vapidPublicKey = base64Url(UserAgent.encodePoint((ECPublicKey) vapid.getPublic()));
    byte[] scalar = ((ECPrivateKey) vapid.getPrivate()).getS().toByteArray();
    byte[] privateKey = new byte[32];
    int length = Math.min(scalar.length, 32);
    System.arraycopy(scalar, scalar.length - length, privateKey, 32 - length, length);
    config = new JsonObject()
        .put("subject", SUBJECT)
        .put("vapid_public_key", vapidPublicKey)
        .put("vapid_private_key", base64Url(privateKey))
        .put("ttl_seconds", 3600)
        .put("timeout_ms", 5000);

    vertx = Vertx.vertx();
    pushService = await(new FakePushService().start(vertx));
    deployProvider(vertx, config.copy().put("allow_http", true));
    browser = UserAgent.create();
  }

  @AfterAll
  static void close() throws Exception {
    await(vertx.close());
  }

  @Test
  void aMessageReachesTheBrowserEncryptedForItAloneAndSignedWithTheOperatorsVapidKey() throws Exception {
    String endpoint = pushService.endpoint("ok");
    JsonObject data = new JsonObject().put("conversation_id", "team:general.2024").put("conv_seq", 12)
        .put("sender_user_id", "bob").put("kind", "message").put("badge", 3);

    JsonObject reply = push(endpoint, "message", "team:general.2024", 3, "Bob", "hello 👋", data);

    assertEquals("sent", reply.getString("status"), reply.encode());
    FakePushService.Received received = pushService.received(endpoint);
    UserAgent.Decrypted decrypted = browser.decrypt(received.body());
    assertEquals(4096, decrypted.recordSize());
    assertEquals(new JsonObject().put("kind", "message").put("title", "Bob").put("body", "hello 👋").put("badge", 3)
        .put("tag", "team:general.2024").put("data", data), new JsonObject(decrypted.text()));

    assertEquals("3600", received.headers().get("TTL"));
    assertEquals("aes128gcm", received.headers().get("Content-Encoding"));
    assertEquals("application/octet-stream", received.headers().get("Content-Type"));
    assertEquals("high", received.headers().get("Urgency"));
    assertEquals(expectedTopic("team:general.2024"), received.headers().get("Topic"));
    assertTrue(received.headers().get("Topic").matches("[A-Za-z0-9_-]{32}"));

    assertEquals(vapidPublicKey, received.vapidKey(), "k= is the configured VAPID public key");
    assertEquals("JWT", received.vapidHeader().getString("typ"));
    assertEquals(pushService.origin(), received.vapidClaims().getString("aud"));
    assertEquals(SUBJECT, received.vapidClaims().getString("sub"));
    long now = Instant.now().getEpochSecond();
    long expires = received.vapidClaims().getLong("exp");
    assertTrue(expires > now + 3600 && expires <= now + 24 * 3600, "exp " + expires + " is within 24 h, now " + now);
  }

  @Test
  void aBadgeUpdateIsSilentAndLowUrgency() throws Exception {
    String endpoint = pushService.endpoint("ok");
    JsonObject data = new JsonObject().put("conversation_id", "c1").put("kind", "badge").put("badge", 0);

    JsonObject reply = push(endpoint, "badge", "c1", 0, "ignored", "ignored", data);

    assertEquals("sent", reply.getString("status"), reply.encode());
    FakePushService.Received received = pushService.received(endpoint);
    assertEquals(new JsonObject().put("kind", "badge").put("badge", 0).put("tag", "c1").put("data", data),
        new JsonObject(browser.decrypt(received.body()).text()));
    assertEquals("low", received.headers().get("Urgency"));
    assertEquals(expectedTopic("c1"), received.headers().get("Topic"));
  }

  @Test
  void aSubscriptionRegisteredAsJsonTextWorksToo() throws Exception {
    String endpoint = pushService.endpoint("ok");
    JsonObject request = request(endpoint, "message", "c1", 1, null, "hi", new JsonObject());
    request.put("token", request.getJsonObject("token").encode());

    assertEquals("sent", send(request).getString("status"));
    JsonObject payload = new JsonObject(browser.decrypt(pushService.received(endpoint).body()).text());
    assertEquals("hi", payload.getString("body"));
    assertFalse(payload.containsKey("title"), "an absent title stays absent");
  }

  @Test
  void aLongMessageIsShortenedToFitOnePushMessage() throws Exception {
    String endpoint = pushService.endpoint("ok");
    String body = "ab👋é".repeat(2000);

    assertEquals("sent", push(endpoint, "message", "c1", 1, "Bob", body, new JsonObject()).getString("status"));
    byte[] received = pushService.received(endpoint).body();
    assertTrue(received.length <= 4096, "a push service need accept no more than 4096 bytes, got " + received.length);
    UserAgent.Decrypted decrypted = browser.decrypt(received);
    assertTrue(decrypted.plaintext().length > 3993 - 4, "the shortened message still fills the record: "
        + decrypted.plaintext().length + " bytes");
    String shortened = new JsonObject(decrypted.text()).getString("body");
    assertTrue(shortened.endsWith("…"), shortened);
    assertTrue(body.startsWith(shortened.substring(0, shortened.length() - 1)), "cut between whole characters");
  }

  @Test
  void theVapidTokenIsReusedForTheSamePushService() throws Exception {
    String first = pushService.endpoint("ok");
    String second = pushService.endpoint("ok");
    push(first, "badge", "c1", 1, null, null, new JsonObject());
    push(second, "badge", "c2", 1, null, null, new JsonObject());

    assertEquals(pushService.received(first).headers().get("Authorization"),
        pushService.received(second).headers().get("Authorization"));
  }

  @Test
  void anUnsubscribedBrowserIsADeadToken() throws Exception {
    JsonObject gone = push(pushService.endpoint("gone"), "message", "c1", 1, "Bob", "hi", new JsonObject());
    assertEquals("dead_token", gone.getString("status"));
    assertTrue(gone.getString("detail").contains("410"), gone.encode());

    JsonObject missing = push(pushService.endpoint("missing"), "message", "c1", 1, "Bob", "hi", new JsonObject());
    assertEquals("dead_token", missing.getString("status"));
  }

  @Test
  void aBusyOrFailingPushServiceIsRetriedWhenItSays() throws Exception {
    JsonObject busy = push(pushService.endpoint("busy"), "message", "c1", 1, "Bob", "hi", new JsonObject());
    assertEquals("retry", busy.getString("status"));
    assertEquals(7000L, busy.getLong("retry_after_ms"));

    JsonObject down = push(pushService.endpoint("down"), "message", "c1", 1, "Bob", "hi", new JsonObject());
    assertEquals("retry", down.getString("status"));
    long retryAfter = down.getLong("retry_after_ms");
    assertTrue(retryAfter > 20_000 && retryAfter <= 30_000, "Retry-After as a date 30 s ahead gave " + retryAfter);

    JsonObject broken = push(pushService.endpoint("broken"), "message", "c1", 1, "Bob", "hi", new JsonObject());
    assertEquals("retry", broken.getString("status"));
    assertNull(broken.getValue("retry_after_ms"));
  }

  @Test
  void anUnreachablePushServiceIsRetried() throws Exception {
    JsonObject reply = push("http://127.0.0.1:1/push/x", "message", "c1", 1, "Bob", "hi", new JsonObject());
    assertEquals("retry", reply.getString("status"), reply.encode());
  }

  @Test
  void refusedPushesFailWithTheServicesReason() throws Exception {
    JsonObject tooLarge = push(pushService.endpoint("too-large"), "message", "c1", 1, "Bob", "hi", new JsonObject());
    assertEquals("failed", tooLarge.getString("status"));
    assertTrue(tooLarge.getString("detail").contains("413"), tooLarge.encode());

    JsonObject forbidden = push(pushService.endpoint("forbidden"), "message", "c1", 1, "Bob", "hi", new JsonObject());
    assertEquals("failed", forbidden.getString("status"));
    assertTrue(forbidden.getString("detail").contains("the VAPID key does not match"), forbidden.encode());

    JsonObject bad = push(pushService.endpoint("bad"), "message", "c1", 1, "Bob", "hi", new JsonObject());
    assertEquals("failed", bad.getString("status"));
    assertTrue(bad.getString("detail").contains("400: malformed push request"), bad.encode());

    JsonObject verbose = push(pushService.endpoint("verbose"), "message", "c1", 1, "Bob", "hi", new JsonObject());
    assertEquals("failed", verbose.getString("status"));
    assertEquals("push service answered 400: " + "x".repeat(300), verbose.getString("detail"), "only the start is kept");
  }

  @Test
  void malformedSubscriptionsFailWithoutContactingAnyone() throws Exception {
    String endpoint = pushService.endpoint("ok");
    JsonObject good = browser.subscription(endpoint);
    JsonObject keys = good.getJsonObject("keys");

    assertFailed(good.copy().put("endpoint", "not a url"), "endpoint");
    assertFailed(good.copy().put("endpoint", "ftp://127.0.0.1/x"), "https");
    assertFailed(good.copy().put("endpoint", null), "no endpoint");
    assertFailed(good.copy().put("keys", null), "no keys");
    assertFailed(good.copy().put("keys", keys.copy().put("p256dh", "%%%")), "keys.p256dh is not base64url");
    assertFailed(good.copy().put("keys", keys.copy().put("p256dh", base64Url(new byte[65]))), "keys.p256dh");
    byte[] offCurve = UserAgent.base64Url(keys.getString("p256dh"));
    offCurve[64] ^= 1;
    assertFailed(good.copy().put("keys", keys.copy().put("p256dh", base64Url(offCurve))), "not a point on the P-256 curve");
    assertFailed(good.copy().put("keys", keys.copy().put("auth", base64Url(new byte[8]))), "keys.auth has 8 bytes");
    JsonObject noAuth = keys.copy();
    noAuth.remove("auth");
    assertFailed(good.copy().put("keys", noAuth), "no keys.auth");
    JsonObject textToken = request(endpoint, "message", "c1", 1, "Bob", "hi", new JsonObject()).put("token", "{oops");
    assertEquals("failed", send(textToken).getString("status"));
    assertNull(pushService.received(endpoint), "nothing was sent");
  }

  @Test
  void anHttpEndpointIsRefusedUnlessAllowed() throws Exception {
    Vertx httpsOnly = Vertx.vertx();
    try {
      deployProvider(httpsOnly, config);
      String endpoint = pushService.endpoint("ok");
      JsonObject reply = await(httpsOnly.eventBus().<JsonObject>request(ADDRESS,
          request(endpoint, "message", "c1", 1, "Bob", "hi", new JsonObject())).map(Message::body));

      assertEquals("failed", reply.getString("status"));
      assertTrue(reply.getString("detail").contains("only https"), reply.encode());
      assertNull(pushService.received(endpoint), "nothing was sent");
    } finally {
      await(httpsOnly.close());
    }
  }

  private static void assertFailed(JsonObject subscription, String detail) throws Exception {
    JsonObject request = request(subscription.getString("endpoint"), "message", "c1", 1, "Bob", "hi", new JsonObject())
        .put("token", subscription);
    JsonObject reply = send(request);
    assertEquals("failed", reply.getString("status"), reply.encode());
    assertNotNull(reply.getString("detail"));
    assertTrue(reply.getString("detail").contains(detail), reply.getString("detail") + " should mention " + detail);
  }

  private static void deployProvider(Vertx target, JsonObject pluginConfig) throws Exception {
    WebPushPlugin plugin = new WebPushPlugin();
    plugin.init(new TestContext(target, pluginConfig));
    for (var verticle : plugin.verticles()) {
      await(target.deployVerticle(verticle.get()));
    }
  }

  private static JsonObject push(String endpoint, String kind, String collapseId, int badge, String title, String body,
                                 JsonObject data) throws Exception {
    return send(request(endpoint, kind, collapseId, badge, title, body, data));
  }

  private static JsonObject request(String endpoint, String kind, String collapseId, int badge, String title,
                                    String body, JsonObject data) {
    JsonObject request = new JsonObject().put("provider", "webpush").put("user_id", "alice").put("device_id", "browser-1")
        .put("token", browser.subscription(endpoint)).put("kind", kind).put("collapse_id", collapseId).put("badge", badge)
        .put("data", data);
    if (title != null) {
      request.put("title", title);
    }
    if (body != null) {
      request.put("body", body);
    }
    return request;
  }

  private static JsonObject send(JsonObject request) throws Exception {
    return await(vertx.eventBus().<JsonObject>request(ADDRESS, request).map(Message::body));
  }

  /** The documented Topic: base64url(SHA-256(collapse_id)), first 32 characters. */
  private static String expectedTopic(String collapseId) throws Exception {
    byte[] digest = MessageDigest.getInstance("SHA-256").digest(collapseId.getBytes(StandardCharsets.UTF_8));
    return base64Url(digest).substring(0, 32);
  }

  private static String base64Url(byte[] bytes) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
  }

  record TestContext(Vertx vertx, JsonObject config) implements PluginContext {

    @Override
    public String nodeId() {
      return "test-node";
    }
  }
}
