package io.lockstep.push.fcm;

import io.lockstep.plugin.Contract;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.security.KeyPair;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The fcm provider deployed as the server deploys it, asked over the event bus, talking to a local
 * stand-in for Google's token endpoint and FCM that checks signatures, tokens and messages.
 */
class FcmProviderTest {

  private static final String ADDRESS = Contract.PUSH_PROVIDER.address("fcm");
  private static final String DEVICE_TOKEN = "fGx1Rk2TQ0e3:APA91bH-phone-1-registration-token";

  private static Vertx vertx;
  private static KeyPair keys;
  private static FcmStandIn fcm;

  @TempDir
  Path directory;
  private final List<String> deployments = new ArrayList<>();

  @BeforeAll
  static void startStandIn() throws Exception {
    vertx = Vertx.vertx();
    keys = ServiceAccounts.newKeyPair();
    fcm = new FcmStandIn(keys.getPublic());
    await(fcm.start(vertx));
  }

  @AfterAll
  static void close() throws Exception {
    await(vertx.close());
  }

  @BeforeEach
  void resetStandIn() {
    fcm.reset();
  }

  @AfterEach
  void undeploy() throws Exception {
    for (String id : deployments) {
      await(vertx.undeploy(id));
    }
  }

  @Test
  void aMessageAlertsWithHighPriorityAndReplacesTheConversationsPreviousNotification() throws Exception {
    deploy(configWithKeyFile(keys));

    JsonObject reply = push(message("c-42", "Bob", "hello", 3));

    assertEquals("sent", reply.getString("status"), reply.encode());
    JsonObject sent = onlyMessage();
    assertEquals(DEVICE_TOKEN, sent.getString("token"));
    assertEquals(new JsonObject().put("title", "Bob").put("body", "hello"), sent.getJsonObject("notification"));
    assertEquals(new JsonObject().put("conversation_id", "c-42").put("conv_seq", "12").put("sender_user_id", "bob")
        .put("kind", "message").put("badge", "3"), sent.getJsonObject("data"));
    assertEquals(new JsonObject().put("collapse_key", "c-42").put("priority", "high")
        .put("notification", new JsonObject().put("tag", "c-42").put("notification_count", 3)), sent.getJsonObject("android"));
    assertEquals(new JsonObject().put("apns-collapse-id", "c-42").put("apns-push-type", "alert").put("apns-priority", "10"),
        sent.getJsonObject("apns").getJsonObject("headers"));
    assertEquals(new JsonObject().put("aps", new JsonObject().put("badge", 3)), sent.getJsonObject("apns").getJsonObject("payload"));
    assertEquals("high", sent.getJsonObject("webpush").getJsonObject("headers").getString("Urgency"));
  }

  @Test
  void aMessageWithoutPreviewHasNoTitle() throws Exception {
    deploy(configWithKeyFile(keys));

    JsonObject reply = push(message("c-42", null, "New message", 1));

    assertEquals("sent", reply.getString("status"), reply.encode());
    assertEquals(new JsonObject().put("body", "New message"), onlyMessage().getJsonObject("notification"));
  }

  @Test
  void aBadgeUpdateIsASilentDataOnlyMessage() throws Exception {
    deploy(configWithKeyFile(keys));

    JsonObject reply = push(badge("c-42", 0));

    assertEquals("sent", reply.getString("status"), reply.encode());
    JsonObject sent = onlyMessage();
    assertFalse(sent.containsKey("notification"), sent.encode());
    assertEquals("badge", sent.getJsonObject("data").getString("kind"));
    assertEquals("0", sent.getJsonObject("data").getString("badge"));
    assertEquals(new JsonObject().put("collapse_key", "c-42").put("priority", "normal"), sent.getJsonObject("android"));
    assertEquals(new JsonObject().put("apns-collapse-id", "c-42").put("apns-push-type", "background").put("apns-priority", "5"),
        sent.getJsonObject("apns").getJsonObject("headers"));
    assertEquals(new JsonObject().put("aps", new JsonObject().put("badge", 0).put("content-available", 1)),
        sent.getJsonObject("apns").getJsonObject("payload"));
    assertEquals("normal", sent.getJsonObject("webpush").getJsonObject("headers").getString("Urgency"));
  }

  @Test
  void aLongConversationIdStillCollapsesWithinApnsAndWebPushLimits() throws Exception {
    deploy(configWithKeyFile(keys));
    String longId = "group:" + "x".repeat(100);

    assertEquals("sent", push(message(longId, "Bob", "hi", 1)).getString("status"));
    assertEquals("sent", push(message(longId, "Bob", "again", 2)).getString("status"));

    JsonObject first = fcm.messages().get(0);
    JsonObject second = fcm.messages().get(1);
    assertEquals(longId, first.getJsonObject("android").getString("collapse_key"));
    String apnsCollapseId = first.getJsonObject("apns").getJsonObject("headers").getString("apns-collapse-id");
    assertTrue(apnsCollapseId.length() <= 64, apnsCollapseId);
    assertEquals(apnsCollapseId, second.getJsonObject("apns").getJsonObject("headers").getString("apns-collapse-id"));
    assertEquals(first.getJsonObject("webpush"), second.getJsonObject("webpush"));
  }

  @Test
  void oneAccessTokenServesManyPushesAndConcurrentPushesWaitForTheSameTokenRequest() throws Exception {
    deploy(configWithKeyFile(keys));
    fcm.delayTokens(300);

    List<Future<JsonObject>> concurrent = IntStream.range(0, 5)
        .mapToObj(i -> request(message("c-" + i, "Bob", "hello " + i, i))).toList();
    await(Future.all(concurrent));
    JsonObject later = push(message("c-9", "Bob", "later", 9));

    for (Future<JsonObject> reply : concurrent) {
      assertEquals("sent", reply.result().getString("status"), reply.result().encode());
    }
    assertEquals("sent", later.getString("status"), later.encode());
    assertEquals(1, fcm.tokenRequests());
    assertEquals(6, fcm.messages().size());
  }

  @Test
  void aTokenCloseToItsExpiryIsFetchedAgain() throws Exception {
    deploy(configWithKeyFile(keys));
    fcm.tokensLive(45);

    assertEquals("sent", push(message("c-1", "Bob", "one", 1)).getString("status"));
    assertEquals("sent", push(message("c-1", "Bob", "two", 2)).getString("status"));

    assertEquals(2, fcm.tokenRequests());
  }

  @Test
  void aRejectedAccessTokenIsDroppedAndThePushRetriedWithANewOne() throws Exception {
    deploy(configWithKeyFile(keys));
    assertEquals("sent", push(message("c-1", "Bob", "one", 1)).getString("status"));
    fcm.expireIssuedTokens();

    JsonObject rejected = push(message("c-1", "Bob", "two", 2));
    JsonObject again = push(message("c-1", "Bob", "two", 2));

    assertEquals("retry", rejected.getString("status"), rejected.encode());
    assertEquals("sent", again.getString("status"), again.encode());
    assertEquals(2, fcm.tokenRequests());
  }

  @Test
  void anUnregisteredTokenIsDead() throws Exception {
    deploy(configWithKeyFile(keys));
    fcm.answerNextSend(answer(404, Map.of(), FcmStandIn.fcmError(404, "NOT_FOUND", "UNREGISTERED", "Requested entity was not found.")));

    JsonObject reply = push(message("c-1", "Bob", "hello", 1));

    assertEquals("dead_token", reply.getString("status"), reply.encode());
    assertTrue(reply.getString("detail").contains("UNREGISTERED"), reply.encode());
  }

  @Test
  void aTokenFcmCallsInvalidIsDeadButOtherInvalidArgumentsOnlyFail() throws Exception {
    deploy(configWithKeyFile(keys));
    JsonObject invalidToken = FcmStandIn.fcmError(400, "INVALID_ARGUMENT", "INVALID_ARGUMENT",
        "The registration token is not a valid FCM registration token");
    invalidToken.getJsonObject("error").getJsonArray("details").add(new JsonObject()
        .put("@type", "type.googleapis.com/google.rpc.BadRequest")
        .put("fieldViolations", new JsonArray().add(new JsonObject()
            .put("field", "message.token").put("description", "Invalid registration token"))));
    fcm.answerNextSend(answer(400, Map.of(), invalidToken));
    fcm.answerNextSend(answer(400, Map.of(), FcmStandIn.fcmError(400, "INVALID_ARGUMENT", "INVALID_ARGUMENT",
        "Message is too big")));

    JsonObject badToken = push(message("c-1", "Bob", "hello", 1));
    JsonObject badMessage = push(message("c-1", "Bob", "hello", 1));

    assertEquals("dead_token", badToken.getString("status"), badToken.encode());
    assertEquals("failed", badMessage.getString("status"), badMessage.encode());
    assertTrue(badMessage.getString("detail").contains("Message is too big"), badMessage.encode());
  }

  @Test
  void quotaAndOutagesAreRetriedWhenFcmSays() throws Exception {
    deploy(configWithKeyFile(keys));
    String inTwoMinutes = DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.now(ZoneOffset.UTC).plusSeconds(120));
    fcm.answerNextSend(answer(429, Map.of("Retry-After", "7"),
        FcmStandIn.fcmError(429, "RESOURCE_EXHAUSTED", "QUOTA_EXCEEDED", "Quota exceeded")));
    fcm.answerNextSend(answer(503, Map.of("Retry-After", inTwoMinutes),
        FcmStandIn.fcmError(503, "UNAVAILABLE", "UNAVAILABLE", "The service is currently unavailable.")));
    fcm.answerNextSend(answer(500, Map.of(), FcmStandIn.fcmError(500, "INTERNAL", "INTERNAL", "Internal error")));

    JsonObject quota = push(message("c-1", "Bob", "hello", 1));
    JsonObject unavailable = push(message("c-1", "Bob", "hello", 1));
    JsonObject internal = push(message("c-1", "Bob", "hello", 1));

    assertEquals("retry", quota.getString("status"), quota.encode());
    assertEquals(7_000L, quota.getLong("retry_after_ms"));
    assertEquals("retry", unavailable.getString("status"), unavailable.encode());
    long delay = unavailable.getLong("retry_after_ms");
    assertTrue(delay > 100_000 && delay <= 120_000, unavailable.encode());
    assertEquals("retry", internal.getString("status"), internal.encode());
    assertNull(internal.getValue("retry_after_ms"));
    assertEquals(1, fcm.tokenRequests(), "a retryable answer keeps the access token");
  }

  @Test
  void aMisconfiguredProjectFailsThePushWithoutTouchingTheToken() throws Exception {
    deploy(configWithKeyFile(keys));
    fcm.answerNextSend(answer(403, Map.of(), FcmStandIn.fcmError(403, "PERMISSION_DENIED", "SENDER_ID_MISMATCH",
        "SenderId mismatch")));
    fcm.answerNextSend(answer(401, Map.of(), FcmStandIn.fcmError(401, "UNAUTHENTICATED", "THIRD_PARTY_AUTH_ERROR",
        "Auth error from APNS or Web Push Service")));

    JsonObject mismatch = push(message("c-1", "Bob", "hello", 1));
    JsonObject apnsAuth = push(message("c-1", "Bob", "hello", 1));
    JsonObject next = push(message("c-1", "Bob", "hello", 1));

    assertEquals("failed", mismatch.getString("status"), mismatch.encode());
    assertTrue(mismatch.getString("detail").contains("SENDER_ID_MISMATCH"), mismatch.encode());
    assertEquals("failed", apnsAuth.getString("status"), apnsAuth.encode());
    assertTrue(apnsAuth.getString("detail").contains("THIRD_PARTY_AUTH_ERROR"), apnsAuth.encode());
    assertEquals("sent", next.getString("status"), next.encode());
    assertEquals(1, fcm.tokenRequests(), "FCM's credentials for APNs are not our access token");
  }

  @Test
  void aKeyGoogleDoesNotKnowFailsThePush() throws Exception {
    deploy(configWithKeyFile(ServiceAccounts.newKeyPair()));

    JsonObject reply = push(message("c-1", "Bob", "hello", 1));

    assertEquals("failed", reply.getString("status"), reply.encode());
    assertTrue(reply.getString("detail").contains("invalid_grant"), reply.encode());
    assertTrue(fcm.messages().isEmpty());
  }

  @Test
  void anUnavailableTokenEndpointIsRetried() throws Exception {
    deploy(configWithKeyFile(keys));
    fcm.answerNextTokenRequest(answer(503, Map.of("Retry-After", "30"), new JsonObject().put("error", "temporarily_unavailable")));

    JsonObject unavailable = push(message("c-1", "Bob", "hello", 1));
    JsonObject next = push(message("c-1", "Bob", "hello", 1));

    assertEquals("retry", unavailable.getString("status"), unavailable.encode());
    assertEquals(30_000L, unavailable.getLong("retry_after_ms"));
    assertEquals("sent", next.getString("status"), next.encode());
    assertEquals(2, fcm.tokenRequests());
  }

  @Test
  void anInlineServiceAccountWithAnotherProjectIdSendsToTheConfiguredProject() throws Exception {
    deploy(new JsonObject()
        .put("service_account", ServiceAccounts.json(keys, "some-other-project", null))
        .put("project_id", FcmStandIn.PROJECT)
        .put("token_endpoint", fcm.tokenEndpoint())
        .put("send_endpoint", fcm.sendEndpointTemplate()));

    JsonObject reply = push(message("c-1", "Bob", "hello", 1));

    assertEquals("sent", reply.getString("status"), reply.encode());
  }

  @Test
  void anUnreachableFcmIsRetried() throws Exception {
    deploy(configWithKeyFile(keys).put("send_endpoint", "http://127.0.0.1:1/v1/projects/{project_id}/messages:send"));

    JsonObject reply = push(message("c-1", "Bob", "hello", 1));

    assertEquals("retry", reply.getString("status"), reply.encode());
  }

  @Test
  void aTokenThatIsNotAString() throws Exception {
    deploy(configWithKeyFile(keys));

    JsonObject reply = push(message("c-1", "Bob", "hello", 1).put("token", new JsonObject().put("endpoint", "https://x")));

    assertEquals("failed", reply.getString("status"), reply.encode());
    assertEquals(0, fcm.tokenRequests());
  }

  private JsonObject configWithKeyFile(KeyPair accountKeys) throws Exception {
    Path file = ServiceAccounts.write(directory, ServiceAccounts.json(accountKeys, FcmStandIn.PROJECT, fcm.tokenEndpoint()));
    return new JsonObject().put("service_account_file", file.toString()).put("send_endpoint", fcm.sendEndpointTemplate());
  }

  private void deploy(JsonObject config) throws Exception {
    FcmPlugin plugin = new FcmPlugin();
    plugin.init(new ServiceAccounts.Context(vertx, config, "node-1"));
    for (var verticle : plugin.verticles()) {
      deployments.add(await(vertx.deployVerticle(verticle.get())));
    }
  }

  private static JsonObject message(String conversation, String title, String body, int badge) {
    JsonObject request = request("message", conversation, badge).put("body", body);
    return title == null ? request : request.put("title", title);
  }

  private static JsonObject badge(String conversation, int badge) {
    return request("badge", conversation, badge);
  }

  private static JsonObject request(String kind, String conversation, int badge) {
    return new JsonObject().put("provider", "fcm").put("user_id", "alice").put("device_id", "phone-1")
        .put("token", DEVICE_TOKEN).put("kind", kind).put("collapse_id", conversation).put("badge", badge)
        .put("data", new JsonObject().put("conversation_id", conversation).put("conv_seq", 12)
            .put("sender_user_id", "bob").put("kind", kind).put("badge", badge));
  }

  private static JsonObject onlyMessage() {
    assertEquals(1, fcm.messages().size(), fcm.messages().toString());
    return fcm.messages().get(0);
  }

  private static FcmStandIn.Answer answer(int status, Map<String, String> headers, JsonObject body) {
    return new FcmStandIn.Answer(status, headers, body);
  }

  private static Future<JsonObject> request(JsonObject push) {
    return vertx.eventBus().<JsonObject>request(ADDRESS, push).map(Message::body);
  }

  private static JsonObject push(JsonObject push) throws Exception {
    return await(request(push));
  }

  private static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
  }
}
