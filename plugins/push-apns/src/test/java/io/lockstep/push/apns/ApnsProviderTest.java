package io.lockstep.push.apns;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jwt.SignedJWT;
import io.lockstep.plugin.ConfigTree;
import io.lockstep.plugin.Contract;
import io.lockstep.plugin.PluginContext;
import io.lockstep.plugin.PluginService;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static io.lockstep.push.apns.ApnsTestServer.token;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The apns provider, loaded through its plugin as the server loads it, asked over the event bus as the
 * server's notification verticle asks it, and talking to a local APNs that checks the protocol.
 */
class ApnsProviderTest {

  private static final String ADDRESS = Contract.PUSH_PROVIDER.address("apns");

  @TempDir
  static Path dir;

  private static Vertx vertx;
  private static KeyPair teamKey;
  private static ApnsTestServer apns;

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    teamKey = ecKeyPair("secp256r1");
    apns = await(ApnsTestServer.start(vertx, (ECPublicKey) teamKey.getPublic()));
    deploy(vertx, config().put("key_file", writeKey("AuthKey_" + ApnsTestServer.KEY_ID + ".p8", teamKey.getPrivate())));
  }

  @AfterAll
  static void stop() throws Exception {
    await(apns.close());
    await(vertx.close());
  }

  @Test
  void messageArrivesAsAnAlertOverHttp2WithASignedProviderToken() throws Exception {
    long before = System.currentTimeMillis() / 1000;
    JsonObject reply = push(vertx, message(token("ok")));

    assertEquals("sent", reply.getString("status"), reply.encode());
    ApnsTestServer.Received received = apns.last();
    assertEquals(200, received.status());
    assertEquals(HttpVersion.HTTP_2, received.version());
    assertEquals(token("ok"), received.token());
    assertEquals(ApnsTestServer.KEY_ID, received.jwt().getHeader().getKeyID());
    assertEquals(ApnsTestServer.TEAM_ID, received.claims().getIssuer());
    assertEquals(ApnsTestServer.TOPIC, received.headers().get("apns-topic"));
    assertEquals("alert", received.headers().get("apns-push-type"));
    assertEquals("10", received.headers().get("apns-priority"));
    assertEquals("c-42", received.headers().get("apns-collapse-id"));
    long expiration = Long.parseLong(received.headers().get("apns-expiration"));
    assertTrue(expiration >= before + 86_400 && expiration <= before + 86_400 + 60, "expires a day later: " + expiration);
    assertEquals(new JsonObject()
        .put("aps", new JsonObject()
            .put("alert", new JsonObject().put("title", "Bob").put("body", "hello"))
            .put("badge", 3)
            .put("sound", "default")
            .put("thread-id", "c-42"))
        .put("lockstep", data("message")), received.payload());
  }

  @Test
  void providerTokenIsAnEs256JwtThatVerifiesWithTheTeamsPublicKey() throws Exception {
    ProviderToken tokens = new ProviderToken(ApnsConfig.from(
        ConfigTree.pluginSection("push-apns", config().put("key", pem(teamKey.getPrivate())))));
    long before = System.currentTimeMillis() / 1000;
    SignedJWT jwt = SignedJWT.parse(tokens.current());

    assertEquals(JWSAlgorithm.ES256, jwt.getHeader().getAlgorithm());
    assertEquals(ApnsTestServer.KEY_ID, jwt.getHeader().getKeyID());
    assertTrue(jwt.verify(new ECDSAVerifier((ECPublicKey) teamKey.getPublic())), "signed with the team's key");
    assertFalse(jwt.verify(new ECDSAVerifier((ECPublicKey) ecKeyPair("secp256r1").getPublic())),
        "and no other");
    assertEquals(ApnsTestServer.TEAM_ID, jwt.getJWTClaimsSet().getIssuer());
    long issuedAt = jwt.getJWTClaimsSet().getIssueTime().getTime() / 1000;
    assertTrue(issuedAt >= before && issuedAt <= before + 5, "issued now: " + issuedAt);
    assertEquals(Set.of("iss", "iat"), jwt.getJWTClaimsSet().getClaims().keySet(), "APNs wants iss and iat only");
  }

  @Test
  void messageWithoutPreviewHasNoTitle() throws Exception {
    JsonObject request = message(token("ok"));
    request.remove("title");
    request.put("body", "New message");

    assertEquals("sent", push(vertx, request).getString("status"));
    assertEquals(new JsonObject().put("body", "New message"),
        apns.last().payload().getJsonObject("aps").getJsonObject("alert"));
  }

  @Test
  void badgeUpdateIsASilentBackgroundPush() throws Exception {
    JsonObject reply = push(vertx, badge(token("ok"), 0));

    assertEquals("sent", reply.getString("status"), reply.encode());
    ApnsTestServer.Received received = apns.last();
    assertEquals("background", received.headers().get("apns-push-type"));
    assertEquals("5", received.headers().get("apns-priority"));
    assertEquals("c-42", received.headers().get("apns-collapse-id"));
    assertEquals(new JsonObject()
        .put("aps", new JsonObject().put("content-available", 1).put("badge", 0))
        .put("lockstep", data("badge").put("badge", 0)), received.payload());
  }

  @Test
  void unregisteredAndForeignTokensAreDead() throws Exception {
    JsonObject unregistered = push(vertx, message(token("dead")));
    assertEquals("dead_token", unregistered.getString("status"));
    assertEquals("Unregistered", unregistered.getString("detail"));
    assertEquals(410, apns.last().status());

    JsonObject bad = push(vertx, message(token("bad")));
    assertEquals("dead_token", bad.getString("status"));
    assertEquals("BadDeviceToken", bad.getString("detail"));

    JsonObject otherApp = push(vertx, badge(token("other-app"), 1));
    assertEquals("dead_token", otherApp.getString("status"));
    assertEquals("DeviceTokenNotForTopic", otherApp.getString("detail"));
  }

  @Test
  void tokenThatIsNotHexadecimalIsDeadWithoutAskingApns() throws Exception {
    int asked = apns.received().size();

    assertEquals("dead_token", push(vertx, message("../../3/device/abc")).getString("status"));
    assertEquals("dead_token", push(vertx, message(token("ok")).put("token", new JsonObject())).getString("status"));
    assertEquals(asked, apns.received().size());
  }

  @Test
  void throttlingAndServerErrorsAreRetriedWhenApnsSays() throws Exception {
    JsonObject busy = push(vertx, message(token("busy")));
    assertEquals("retry", busy.getString("status"));
    assertEquals(7_000L, busy.getLong("retry_after_ms"));
    assertEquals("TooManyRequests", busy.getString("detail"));

    JsonObject broken = push(vertx, message(token("broken")));
    assertEquals("retry", broken.getString("status"));
    long retryAfter = broken.getLong("retry_after_ms");
    assertTrue(retryAfter > 100_000 && retryAfter <= 120_000, "Retry-After as an HTTP date: " + retryAfter);

    JsonObject down = push(vertx, badge(token("down"), 2));
    assertEquals("retry", down.getString("status"));
    assertEquals("ServiceUnavailable", down.getString("detail"));
    assertFalse(down.containsKey("retry_after_ms"));

    JsonObject gateway = push(vertx, message(token("gateway")));
    assertEquals("retry", gateway.getString("status"));
    assertEquals("HTTP 502", gateway.getString("detail"));
  }

  @Test
  void otherRefusalsFailWithApnsReason() throws Exception {
    JsonObject forbidden = push(vertx, message(token("forbidden")));
    assertEquals("failed", forbidden.getString("status"));
    assertEquals("Forbidden", forbidden.getString("detail"));

    JsonObject disallowed = push(vertx, message(token("disallowed")));
    assertEquals("failed", disallowed.getString("status"));
    assertEquals("TopicDisallowed", disallowed.getString("detail"));
  }

  @Test
  void providerTokenIsReusedUntilApnsRefusesItThenReplacedAndThePushRetried() throws Exception {
    assertEquals("sent", push(vertx, message(token("ok"))).getString("status"));
    SignedJWT refused = apns.last().jwt();
    assertEquals("sent", push(vertx, badge(token("ok"), 1)).getString("status"));
    assertEquals(refused.serialize(), apns.last().jwt().serialize(), "the token is reused");
    apns.revoke(refused.serialize());

    JsonObject reply = push(vertx, message(token("ok")));
    assertEquals("retry", reply.getString("status"));
    assertEquals("ExpiredProviderToken", reply.getString("detail"));
    assertEquals(refused.serialize(), apns.last().jwt().serialize());

    assertEquals("sent", push(vertx, message(token("ok"))).getString("status"));
    assertNotEquals(refused.serialize(), apns.last().jwt().serialize(), "a newly signed provider token");
  }

  @Test
  void providerTokenIsSignedAgainAfterTheRefreshInterval() throws Exception {
    withNode(config().put("key", pem(teamKey.getPrivate())).put("token_refresh_seconds", 1), node -> {
      assertEquals("sent", push(node, message(token("ok"))).getString("status"));
      SignedJWT first = apns.last().jwt();

      await(node.timer(1_100, TimeUnit.MILLISECONDS));

      assertEquals("sent", push(node, message(token("ok"))).getString("status"));
      SignedJWT second = apns.last().jwt();
      assertNotEquals(first.serialize(), second.serialize());
      assertTrue(second.getJWTClaimsSet().getIssueTime().after(first.getJWTClaimsSet().getIssueTime()),
          "the new token is issued later");
    });
  }

  @Test
  void expirationZeroAsksForASingleDeliveryAttempt() throws Exception {
    withNode(config().put("key", pem(teamKey.getPrivate())).put("expiration_seconds", 0), node -> {
      assertEquals("sent", push(node, message(token("ok"))).getString("status"));
      assertEquals("0", apns.last().headers().get("apns-expiration"));
    });
  }

  @Test
  void longCollapseIdIsReplacedByAStableHashApnsAccepts() throws Exception {
    String longId = "conversation:" + "x".repeat(115);
    String otherLongId = "conversation:" + "y".repeat(115);

    assertEquals("sent", push(vertx, message(token("ok")).put("collapse_id", longId)).getString("status"));
    String first = apns.last().headers().get("apns-collapse-id");
    assertEquals("sent", push(vertx, message(token("ok")).put("collapse_id", longId)).getString("status"));
    String again = apns.last().headers().get("apns-collapse-id");
    assertEquals("sent", push(vertx, message(token("ok")).put("collapse_id", otherLongId)).getString("status"));
    String other = apns.last().headers().get("apns-collapse-id");

    assertTrue(first.length() <= 64, first);
    assertEquals(first, again);
    assertNotEquals(first, other);
  }

  @Test
  void longBodyIsCutToFitTheFourKilobytePayload() throws Exception {
    String body = "Voilà 👋 ".repeat(600);
    JsonObject reply = push(vertx, message(token("ok")).put("body", body));

    assertEquals("sent", reply.getString("status"), reply.encode());
    ApnsTestServer.Received received = apns.last();
    assertTrue(received.body().length() <= 4096 && received.body().length() > 4000, "size " + received.body().length());
    assertCutFrom(body, received);
  }

  @Test
  void bodyIsNeverCutInsideAnEmoji() throws Exception {
    String body = "👋".repeat(1_500);
    for (String title : List.of("B", "Bo", "Bob", "Bobo")) {
      assertEquals("sent", push(vertx, message(token("ok")).put("title", title).put("body", body)).getString("status"));
      assertCutFrom(body, apns.last());
    }
  }

  private static void assertCutFrom(String body, ApnsTestServer.Received received) {
    String cut = received.payload().getJsonObject("aps").getJsonObject("alert").getString("body");
    assertTrue(cut.endsWith("…"), cut);
    String kept = cut.substring(0, cut.length() - 1);
    assertTrue(body.startsWith(kept), kept);
    assertFalse(Character.isHighSurrogate(kept.charAt(kept.length() - 1)), "half an emoji at the end");
  }

  @Test
  void dataTooLargeForAnyPayloadFailsWithoutAskingApns() throws Exception {
    int asked = apns.received().size();
    JsonObject request = message(token("ok"));
    request.getJsonObject("data").put("padding", "z".repeat(5_000));

    JsonObject reply = push(vertx, request);
    assertEquals("failed", reply.getString("status"));
    assertEquals(asked, apns.received().size());
  }

  @Test
  void serverCertificateIsVerifiedByDefault() throws Exception {
    int asked = apns.received().size();
    JsonObject untrusting = config().put("key", pem(teamKey.getPrivate()));
    untrusting.remove("trust_cert");
    withNode(untrusting, node -> {
      JsonObject reply = push(node, message(token("ok")));
      assertEquals("retry", reply.getString("status"));
      assertTrue(reply.getString("detail").startsWith("APNs did not answer"), reply.getString("detail"));
    });
    assertEquals(asked, apns.received().size());
  }

  @Test
  void tokenSignedWithAnotherKeyIsRefusedByApns() throws Exception {
    withNode(config().put("key", pem(ecKeyPair("secp256r1").getPrivate())), node -> {
      JsonObject reply = push(node, message(token("ok")));
      assertEquals("retry", reply.getString("status"));
      assertEquals("InvalidProviderToken", reply.getString("detail"));
    });
  }

  @Test
  void unconfiguredPluginServesNothing() {
    ApnsPlugin plugin = new ApnsPlugin();
    plugin.init(new Node(vertx, new JsonObject()));

    assertEquals("push-apns", plugin.id());
    assertTrue(plugin.services().isEmpty());
    assertTrue(plugin.verticles().isEmpty());
  }

  @Test
  void configuredPluginServesTheApnsProvider() throws Exception {
    ApnsPlugin plugin = new ApnsPlugin();
    plugin.init(new Node(vertx, config().put("key", pem(teamKey.getPrivate()))));

    assertEquals(List.of(PluginService.pushProvider("apns")), plugin.services());
    assertEquals(1, plugin.verticles().size());
  }

  @Test
  void badConfigurationIsRefusedWithTheKeyNamed() throws Exception {
    JsonObject valid = config().put("key", pem(teamKey.getPrivate()));
    assertRefused(without(valid, "topic"), "topic");
    assertRefused(without(valid, "team_id"), "team_id");
    assertRefused(valid.copy().put("team_id", "team-1"), "team_id");
    assertRefused(without(valid, "key_id"), "key_id");
    assertRefused(without(valid, "key"), "key_file");
    assertRefused(valid.copy().put("key_file", dir.resolve("AuthKey_" + ApnsTestServer.KEY_ID + ".p8").toString()), "key_file");
    assertRefused(without(valid, "key").put("key_file", dir.resolve("missing.p8").toString()), "key_file");
    assertRefused(valid.copy().put("key", "-----BEGIN PRIVATE KEY-----\nnot base64!\n-----END PRIVATE KEY-----"), "key");
    assertRefused(valid.copy().put("key", pem(ecKeyPair("secp384r1").getPrivate())), "P-256");
    assertRefused(valid.copy().put("key", pem(KeyPairGenerator.getInstance("RSA").generateKeyPair().getPrivate())), "key");
    assertRefused(valid.copy().put("port", 70_000), "port");
    assertRefused(valid.copy().put("port", "four-four-three"), "port");
    assertRefused(valid.copy().put("port", 443.5), "port");
    assertRefused(valid.copy().put("expiration_seconds", -1), "expiration_seconds");
    assertRefused(valid.copy().put("token_refresh_seconds", 3_600), "token_refresh_seconds");
    assertRefused(valid.copy().put("trust_cert", dir.resolve("missing.pem").toString()), "trust_cert");
    assertRefused(valid.copy().put("teamid", "TEAM123456"), "teamid");
    assertRefused(valid.copy().put("topic", "  "), "plugins.config.push-apns.topic");
  }

  private static void assertRefused(JsonObject config, String named) {
    IllegalArgumentException refusal = assertThrows(IllegalArgumentException.class,
        () -> new ApnsPlugin().init(new Node(vertx, config)), config::encode);
    assertTrue(refusal.getMessage().contains(named), refusal.getMessage());
  }

  private static JsonObject without(JsonObject config, String key) {
    JsonObject copy = config.copy();
    copy.remove(key);
    return copy;
  }

  /** The plugin configuration pointing at the local APNs, without the signing key. */
  private static JsonObject config() {
    return new JsonObject()
        .put("host", "localhost")
        .put("port", apns.port())
        .put("topic", ApnsTestServer.TOPIC)
        .put("team_id", ApnsTestServer.TEAM_ID)
        .put("key_id", ApnsTestServer.KEY_ID)
        .put("trust_cert", apns.certificatePath())
        .put("request_timeout_ms", 5_000);
  }

  private static JsonObject message(String token) {
    return new JsonObject()
        .put("provider", "apns").put("user_id", "alice").put("device_id", "phone-1")
        .put("token", token).put("kind", "message").put("collapse_id", "c-42").put("badge", 3)
        .put("title", "Bob").put("body", "hello")
        .put("data", data("message"));
  }

  private static JsonObject badge(String token, int badge) {
    return new JsonObject()
        .put("provider", "apns").put("user_id", "alice").put("device_id", "phone-1")
        .put("token", token).put("kind", "badge").put("collapse_id", "c-42").put("badge", badge)
        .put("data", data("badge").put("badge", badge));
  }

  private static JsonObject data(String kind) {
    return new JsonObject().put("conversation_id", "c-42").put("conv_seq", 12).put("sender_user_id", "bob")
        .put("kind", kind).put("badge", 3);
  }

  private static JsonObject push(Vertx node, JsonObject request) throws Exception {
    return await(node.eventBus().<JsonObject>request(ADDRESS, request).map(Message::body));
  }

  /** Deploys the plugin's verticles on {@code node}, as the server does at start-up. */
  private static void deploy(Vertx node, JsonObject config) throws Exception {
    ApnsPlugin plugin = new ApnsPlugin();
    plugin.init(new Node(node, config));
    for (var verticle : plugin.verticles()) {
      await(node.deployVerticle(verticle.get()));
    }
  }

  /** Runs {@code scenario} against a second server node whose provider has {@code config}. */
  private static void withNode(JsonObject config, ThrowingConsumer<Vertx> scenario) throws Exception {
    Vertx node = Vertx.vertx();
    try {
      deploy(node, config);
      scenario.accept(node);
    } finally {
      await(node.close());
    }
  }

  private static KeyPair ecKeyPair(String curve) throws Exception {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
    generator.initialize(new ECGenParameterSpec(curve));
    return generator.generateKeyPair();
  }

  /** The key as Apple hands it out: PKCS#8 in PEM, as in an AuthKey_*.p8 file. */
  private static String pem(PrivateKey key) {
    return "-----BEGIN PRIVATE KEY-----\n"
        + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(key.getEncoded())
        + "\n-----END PRIVATE KEY-----\n";
  }

  private static String writeKey(String name, PrivateKey key) throws Exception {
    return Files.writeString(dir.resolve(name), pem(key)).toString();
  }

  private static <T> T await(Future<T> future) throws Exception {
    try {
      return future.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw (Exception) e.getCause();
    }
  }

  private interface ThrowingConsumer<T> {
    void accept(T value) throws Exception;
  }

  private record Node(Vertx vertx, JsonObject config, String nodeId) implements PluginContext {

    Node(Vertx vertx, JsonObject config) {
      this(vertx, config, "test-node");
    }
  }
}
