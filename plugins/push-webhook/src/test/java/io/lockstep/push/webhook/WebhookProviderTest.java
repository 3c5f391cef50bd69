package io.lockstep.push.webhook;

import io.lockstep.plugin.Contract;
import io.lockstep.plugin.PluginContext;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The webhook provider against a local receiver that checks each request's signature the way an
 * integrator would, and answers per device token: ok, dead (410), busy (429), broken (503), bad (400),
 * silent (never answers).
 */
class WebhookProviderTest {

  private static final String SECRET = "webhook-secret-0123456789";

  private static Vertx vertx;
  private static HttpServer receiver;
  private static final List<JsonObject> received = new CopyOnWriteArrayList<>();
  private static final List<String> refused = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    receiver = await(vertx.createHttpServer().requestHandler(WebhookProviderTest::receive).listen(0, "127.0.0.1"));
    WebhookPlugin plugin = new WebhookPlugin();
    plugin.init(context(new JsonObject().put("url", "http://127.0.0.1:" + receiver.actualPort() + "/lockstep/push")
        .put("secret", SECRET).put("timeout_seconds", 3)));
    assertEquals(List.of("webhook"), plugin.services().stream().map(service -> service.name()).toList());
    for (var verticle : plugin.verticles()) {
      await(vertx.deployVerticle(verticle.get()));
    }
  }

  @AfterAll
  static void stop() throws Exception {
    await(vertx.close());
  }

  private static void receive(HttpServerRequest request) {
    request.body().onSuccess(body -> {
      String timestamp = request.getHeader("X-Lockstep-Timestamp");
      String signature = request.getHeader("X-Lockstep-Signature");
      long age = timestamp == null ? Long.MAX_VALUE : Math.abs(System.currentTimeMillis() / 1000 - Long.parseLong(timestamp));
      if (signature == null || !signature.equals("v1=" + hmac(timestamp + "." + body)) || age > 300
          || !"application/json".equals(request.getHeader("Content-Type")) || !request.path().equals("/lockstep/push")) {
        refused.add(String.valueOf(signature));
        request.response().setStatusCode(401).end("bad signature");
        return;
      }
      JsonObject push = body.toJsonObject();
      if (!String.valueOf(push.getValue("push_id")).equals(request.getHeader("X-Lockstep-Push-Id"))) {
        request.response().setStatusCode(400).end("push id header differs from the body");
        return;
      }
      received.add(push);
      switch (push.getString("token")) {
        case "dead" -> request.response().setStatusCode(410).end("{\"error\":\"unregistered\"}");
        case "busy" -> request.response().setStatusCode(429).putHeader("Retry-After", "7").end();
        case "broken" -> request.response().setStatusCode(503).end();
        case "bad" -> request.response().setStatusCode(400).end("{\"error\":\"token malformed\"}");
        case "silent" -> { }
        default -> request.response().setStatusCode(202).end();
      }
    });
  }

  /** What the receiver computes independently: HMAC-SHA256 over "timestamp.body" with the shared secret. */
  private static String hmac(String signed) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(SECRET.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      return HexFormat.of().formatHex(mac.doFinal(signed.getBytes(StandardCharsets.UTF_8)));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void aMessagePushArrivesSignedWithEveryField() throws Exception {
    JsonObject reply = push(request("ok-1", "message").put("title", "Bob").put("body", "Pizza at 8?"));
    assertEquals("sent", reply.getString("status"));
    JsonObject got = receivedFor("ok-1");
    assertEquals("message", got.getString("kind"));
    assertEquals("Bob", got.getString("title"));
    assertEquals("Pizza at 8?", got.getString("body"));
    assertEquals(3, got.getInteger("badge"));
    assertEquals("conv-1", got.getString("collapse_id"));
    assertEquals("phone-1", got.getString("device_id"));
    assertEquals("conv-1", got.getJsonObject("data").getString("conversation_id"));
    assertTrue(refused.isEmpty(), "the receiver refused a signature: " + refused);
  }

  @Test
  void aBadgeUpdateHasNoAlertText() throws Exception {
    assertEquals("sent", push(request("ok-2", "badge")).getString("status"));
    JsonObject got = receivedFor("ok-2");
    assertEquals("badge", got.getString("kind"));
    assertNull(got.getString("body"));
  }

  @Test
  void goneMeansTheTokenIsDead() throws Exception {
    JsonObject reply = push(request("dead", "message").put("body", "x"));
    assertEquals("dead_token", reply.getString("status"));
    assertTrue(reply.getString("detail").contains("410"), reply.encode());
  }

  @Test
  void throttlingAndOutagesAreRetriedWithTheirDelay() throws Exception {
    JsonObject busy = push(request("busy", "message").put("body", "x"));
    assertEquals("retry", busy.getString("status"));
    assertEquals(7000L, busy.getLong("retry_after_ms"));
    assertEquals("retry", push(request("broken", "message").put("body", "x")).getString("status"));
  }

  @Test
  void aReceiverThatDoesNotAnswerIsRetried() throws Exception {
    JsonObject reply = push(request("silent", "message").put("body", "x"));
    assertEquals("retry", reply.getString("status"));
    assertTrue(reply.getString("detail").contains("did not answer"), reply.encode());
  }

  @Test
  void otherRefusalsFailWithTheReceiversWords() throws Exception {
    JsonObject reply = push(request("bad", "message").put("body", "x"));
    assertEquals("failed", reply.getString("status"));
    assertTrue(reply.getString("detail").contains("token malformed"), reply.encode());
  }

  @Test
  void aWrongSecretIsRefusedByTheReceiver() {
    String forged = WebhookProvider.signature("another-secret-0123456789", "1", io.vertx.core.buffer.Buffer.buffer("{}"));
    assertFalse(forged.equals(hmac("1.{}")));
    assertEquals(hmac("1.{}"), WebhookProvider.signature(SECRET, "1", io.vertx.core.buffer.Buffer.buffer("{}")));
  }

  @Test
  void anUnconfiguredPluginServesNothing() {
    WebhookPlugin plugin = new WebhookPlugin();
    plugin.init(context(new JsonObject()));
    assertTrue(plugin.services().isEmpty());
    assertTrue(plugin.verticles().isEmpty());
  }

  @Test
  void badConfigurationIsRefusedWithTheKeyNamed() {
    assertMessage("url is required", new JsonObject().put("secret", SECRET));
    assertMessage("absolute http or https URL", new JsonObject().put("url", "ftp://example.com/x").put("secret", SECRET));
    assertMessage("secret", new JsonObject().put("url", "https://example.com/x").put("secret", "short"));
    assertMessage("timeout_seconds", new JsonObject().put("url", "https://example.com/x").put("secret", SECRET)
        .put("timeout_seconds", 0));
    assertMessage("plugins.config.push-webhook.timeout_seconds", new JsonObject().put("url", "https://example.com/x")
        .put("secret", SECRET).put("timeout_seconds", "soon"));
    assertMessage("unknown key secert", new JsonObject().put("url", "https://example.com/x").put("secert", SECRET));
  }

  private static void assertMessage(String expected, JsonObject config) {
    IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
        () -> new WebhookPlugin().init(context(config)));
    assertTrue(error.getMessage().contains(expected), error.getMessage());
  }

  private static JsonObject request(String token, String kind) {
    return new JsonObject().put("push_id", token.hashCode()).put("provider", "webhook").put("user_id", "alice")
        .put("device_id", "phone-1").put("token", token).put("kind", kind).put("collapse_id", "conv-1").put("badge", 3)
        .put("data", new JsonObject().put("conversation_id", "conv-1").put("kind", kind).put("badge", 3));
  }

  private static JsonObject push(JsonObject request) throws Exception {
    return await(vertx.eventBus().<JsonObject>request(Contract.PUSH_PROVIDER.address("webhook"), request)
        .map(message -> message.body()));
  }

  private static JsonObject receivedFor(String token) {
    return received.stream().filter(push -> push.getString("token").equals(token)).findFirst().orElseThrow();
  }

  private static PluginContext context(JsonObject config) {
    return new PluginContext() {
      @Override
      public Vertx vertx() {
        return vertx;
      }

      @Override
      public JsonObject config() {
        return config;
      }

      @Override
      public String nodeId() {
        return "test-node";
      }
    };
  }

  private static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }
}
