package io.lockstep.notify;

import io.lockstep.store.DeviceStore;
import io.lockstep.store.PushStore;
import io.lockstep.test.Eventually;
import io.lockstep.test.LockstepNode;
import io.lockstep.test.Ports;
import io.lockstep.test.TestDevice;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

import static io.lockstep.test.LockstepNode.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Attention-aware pushes against a real node and a webhook receiver: a focused device holds pushes
 * back and the ladder escalates to the most recently attentive device first; a read cancels what is
 * pending and dismisses what was shown; clients that never say where the user looks keep the old rule;
 * a revoke stops even a push already claimed (by a worker serving a provider this node has not, as a
 * worker of another node would hold it).
 */
class AttentionTest {

  private static final int RECEIVER_PORT = Ports.free();
  private static final long ESCALATE_MS = 1500;

  @RegisterExtension
  static final LockstepNode NODE = new LockstepNode(new JsonObject()
      .put("plugins", new JsonObject().put("config", new JsonObject()
          .put("push-webhook", new JsonObject()
              .put("url", "http://127.0.0.1:" + RECEIVER_PORT + "/push").put("secret", "attention-test-secret-0123")
              .put("timeout_seconds", 2))))
      .put("push", new JsonObject().put("coalesce_window", "200ms").put("poll_interval", "50ms")
          .put("escalate_after", ESCALATE_MS + "ms")));

  private static HttpServer receiver;
  private static final List<JsonObject> pushes = new ArrayList<>();

  @BeforeAll
  static void startReceiver() {
    receiver = await(NODE.vertx().createHttpServer().requestHandler(request -> request.body().onSuccess(body -> {
      synchronized (AttentionTest.class) {
        pushes.add(body.toJsonObject().put("received_at", System.currentTimeMillis()));
        AttentionTest.class.notifyAll();
      }
      request.response().setStatusCode(200).end();
    })).listen(RECEIVER_PORT, "127.0.0.1"));
  }

  @AfterAll
  static void stopReceiver() {
    await(receiver.close());
  }

  @Test
  void aFocusedLaptopHoldsPushesBackThenTheLadderWakesTheLastDeviceLookedAtFirst() {
    TestDevice tablet = attentiveThenOffline("ann", "ann-tablet");
    TestDevice phone = attentiveThenOffline("ann", "ann-phone");
    TestDevice laptop = NODE.device("ann");
    laptop.connectAndSync();
    assertEquals("focused", attention(laptop, "focused").getString("attention"));
    JsonObject presence = NODE.request(HttpMethod.GET, "/v1/presence/ann", LockstepNode.API_KEY, null).bodyAsJsonObject();
    assertEquals("focused", device(presence.getJsonArray("devices"), laptop.deviceId())
        .getJsonObject("presence").getString("attention"));

    String chat = direct("bob", "ann");
    long sentAt = System.currentTimeMillis();
    online("bob").sendMessage(chat, "m1", "are you there?");
    JsonObject first = awaitPush(p -> isMessageTo(p, phone, tablet));
    assertEquals(phone.deviceId(), first.getString("device_id"), "the device looked at last is woken first");
    assertTrue(first.getLong("received_at") - sentAt >= ESCALATE_MS - 100,
        "nothing is pushed while the laptop is focused: " + (first.getLong("received_at") - sentAt) + " ms");
    JsonObject second = awaitPush(p -> "message".equals(p.getString("kind")) && tablet.deviceId().equals(p.getString("device_id")));
    assertTrue(second.getLong("received_at") - first.getLong("received_at") >= ESCALATE_MS - 300,
        "the rest one step later");
  }

  @Test
  void aReadOnTheFocusedDeviceCancelsTheLadderAndDismissesWhatWasShown() {
    TestDevice tablet = attentiveThenOffline("cal", "cal-tablet");
    TestDevice phone = attentiveThenOffline("cal", "cal-phone");
    TestDevice laptop = NODE.device("cal");
    laptop.connectAndSync();
    attention(laptop, "idle");
    String chat = direct("dee", "cal");
    TestDevice dee = online("dee");
    dee.sendMessage(chat, "m1", "first");
    JsonObject shown = awaitPush(p -> isMessageTo(p, phone, tablet));
    assertEquals(phone.deviceId(), shown.getString("device_id"), "without a focused device the first step is at once");
    assertTrue(pushesTo(tablet).isEmpty(), "the tablet waits for its step");

    attention(laptop, "focused");
    laptop.awaitFrame(f -> "message".equals(f.getString("kind")));
    JsonObject read = laptop.request(new JsonObject().put("type", "read").put("conversation_id", chat).put("up_to", 1));
    assertEquals("result", read.getString("type"));
    JsonObject dismiss = awaitPush(p -> "badge".equals(p.getString("kind")) && phone.deviceId().equals(p.getString("device_id")));
    assertEquals(new JsonArray().add(chat), dismiss.getJsonArray("dismiss"), "the phone showed it: dismiss it");
    assertEquals(new JsonArray().add(chat), dismiss.getJsonObject("data").getJsonArray("dismiss"));
    assertEquals(0, dismiss.getInteger("badge"));
    JsonObject silent = awaitPush(p -> tablet.deviceId().equals(p.getString("device_id")));
    assertEquals("badge", silent.getString("kind"), "the tablet's pending step became a silent badge update");
    assertNull(silent.getJsonArray("dismiss"), "the tablet showed nothing");
    Eventually.await(NODE.vertx(), Duration.ofSeconds(15), () -> NODE.sql(
            "SELECT count(*) AS n FROM push_outbox WHERE device_id = ANY ($1) AND state <> 'dead'",
            (Object) new String[] {tablet.deviceId(), phone.deviceId()})
        .iterator().next().getLong("n"), n -> n == 0, "the outbox emptied for both (nothing left to push or settle)");
    assertTrue(pushesTo(tablet).stream().noneMatch(p -> "message".equals(p.getString("kind"))),
        "the read cancelled the tablet's step: " + pushesTo(tablet));
    assertEquals(0, NODE.sql("SELECT count(*) AS n FROM push_shown WHERE device_id = $1", phone.deviceId())
        .iterator().next().getLong("n"), "a dismissed conversation is forgotten");
  }

  @Test
  void clientsThatNeverSayWhereTheUserLooksKeepTheOldRuleAndAUserCanAskForIt() {
    TestDevice phone = withToken("eve", "eve-phone");
    TestDevice tablet = withToken("eve", "eve-tablet");
    phone.disconnect();
    tablet.disconnect();
    String chat = direct("fox", "eve");
    TestDevice fox = online("fox");
    fox.sendMessage(chat, "m1", "old clients");
    JsonObject a = awaitPush(p -> "message".equals(p.getString("kind")) && phone.deviceId().equals(p.getString("device_id")));
    JsonObject b = awaitPush(p -> "message".equals(p.getString("kind")) && tablet.deviceId().equals(p.getString("device_id")));
    assertTrue(Math.abs(a.getLong("received_at") - b.getLong("received_at")) < ESCALATE_MS / 2,
        "both at once, as before the ladder");

    TestDevice later = attentiveThenOffline("gil", "gil-phone");
    TestDevice other = attentiveThenOffline("gil", "gil-tablet");
    TestDevice settings = NODE.device("gil");
    settings.connectAndSync();
    assertEquals("result", settings.request(new JsonObject().put("type", "settings.set").put("scope", "account")
        .put("key", "notifications.routing").put("value", "all")).getString("type"));
    settings.disconnect();
    String gilChat = direct("fox", "gil");
    fox.sendMessage(gilChat, "m2", "all at once, asked for");
    JsonObject c = awaitPush(p -> "message".equals(p.getString("kind")) && later.deviceId().equals(p.getString("device_id")));
    JsonObject d = awaitPush(p -> "message".equals(p.getString("kind")) && other.deviceId().equals(p.getString("device_id")));
    assertTrue(Math.abs(c.getLong("received_at") - d.getLong("received_at")) < ESCALATE_MS / 2,
        "notifications.routing = all overrides the ladder");
  }

  @Test
  void aDeviceIsAsAttentiveAsItsMostAttentiveConnection() {
    TestDevice tab = NODE.device("jan");
    tab.connectAndSync();
    TestDevice otherTab = NODE.device("jan").withDeviceId(tab.deviceId());
    otherTab.connect();
    assertEquals("welcome", otherTab.hello(new JsonObject().put("device_id", tab.deviceId())).getString("type"));
    attention(tab, "idle");
    attention(otherTab, "focused");
    assertEquals("focused", presenceOf("jan", tab.deviceId()).getString("attention"));
    otherTab.disconnect();
    Eventually.await(NODE.vertx(), Duration.ofSeconds(10), () -> presenceOf("jan", tab.deviceId()).getString("attention"),
        "idle"::equals, "the remaining connection's attention");
    assertEquals(1, presenceOf("jan", tab.deviceId()).getInteger("connections"));
  }

  private static JsonObject presenceOf(String user, String deviceId) {
    JsonObject presence = NODE.request(HttpMethod.GET, "/v1/presence/" + user, LockstepNode.API_KEY, null).bodyAsJsonObject();
    return device(presence.getJsonArray("devices"), deviceId).getJsonObject("presence");
  }

  @Test
  void aBadAttentionIsRefusedAndChangesNothing() {
    TestDevice laptop = NODE.device("hal");
    laptop.connectAndSync();
    JsonObject refused = laptop.request(new JsonObject().put("type", "attention").put("state", "asleep"));
    assertEquals("invalid_field", refused.getString("code"));
    assertEquals("invalid_field", laptop.request(new JsonObject().put("type", "attention")).getString("code"));
    assertNull(NODE.sql("SELECT attention FROM devices WHERE device_id = $1", laptop.deviceId()).iterator().next()
        .getString("attention"));
    JsonObject presence = NODE.request(HttpMethod.GET, "/v1/presence/hal", LockstepNode.API_KEY, null).bodyAsJsonObject();
    assertFalse(device(presence.getJsonArray("devices"), laptop.deviceId()).getJsonObject("presence")
        .containsKey("attention"));
  }

  @Test
  void aRevokeStopsAPushThatAWorkerHadAlreadyClaimed() {
    TestDevice phone = withToken("ida", "ida-phone");
    phone.disconnect();
    PushStore store = new PushStore(NODE.server().pool());
    await(store.enqueue(List.of(new PushStore.Recipient("ida", phone.deviceId())), new PushStore.Push("badge", "c-none",
        null, null, null, null, false, Map.of()), Duration.ofHours(1)));
    NODE.sql("UPDATE push_outbox SET provider = 'none-served-here', due_at = now() - interval '1 second'"
        + " WHERE device_id = $1", phone.deviceId());
    List<PushStore.Claimed> claimed = await(store.claim(Set.of("none-served-here"), 10, Duration.ofMinutes(1)));
    assertEquals(1, claimed.size());
    assertTrue(await(store.stillOwed(claimed.get(0))), "before the revoke the worker may send it");

    await(new DeviceStore(NODE.server().pool()).revoke("ida", phone.deviceId()));
    assertFalse(await(store.stillOwed(claimed.get(0))), "after the revoke it may not, though it was claimed before");
    assertEquals(0, NODE.sql("SELECT count(*) AS n FROM push_outbox WHERE device_id = $1 AND state <> 'dead'",
        phone.deviceId()).iterator().next().getLong("n"));
    JsonObject acked = phone.connect().hello(new JsonObject().put("device_id", phone.deviceId()));
    assertEquals("device_revoked", acked.getString("code"));
  }

  /** A device of the user with a token, focused once and then gone: its last attention is now. */
  private static TestDevice attentiveThenOffline(String user, String token) {
    TestDevice device = withToken(user, token);
    attention(device, "focused");
    device.disconnect();
    Eventually.await(NODE.vertx(), Duration.ofSeconds(10), () -> NODE.sql(
            "SELECT last_attentive_at > attention_at AS left FROM devices WHERE device_id = $1", device.deviceId())
        .iterator().next().getBoolean("left"), Boolean.TRUE::equals, "the focused device's leaving recorded");
    return device;
  }

  private static JsonObject attention(TestDevice device, String state) {
    JsonObject result = device.request(new JsonObject().put("type", "attention").put("state", state));
    assertEquals("result", result.getString("type"), result.encode());
    return result;
  }

  private static TestDevice withToken(String user, String token) {
    TestDevice device = NODE.device(user);
    device.connectAndSync();
    JsonObject registered = device.request(new JsonObject().put("type", "push.register").put("provider", "webhook")
        .put("token", token));
    assertEquals("result", registered.getString("type"), registered.encode());
    return device;
  }

  private static TestDevice online(String user) {
    TestDevice device = NODE.device(user);
    device.connectAndSync();
    return device;
  }

  private static String direct(String creator, String other) {
    TestDevice device = online(creator);
    String id = device.request(new JsonObject().put("type", "conversation.create").put("kind", "direct")
        .put("members", new JsonArray().add(other))).getJsonObject("conversation").getString("conversation_id");
    device.disconnect();
    return id;
  }

  private static boolean isMessageTo(JsonObject push, TestDevice... devices) {
    return "message".equals(push.getString("kind"))
        && List.of(devices).stream().anyMatch(d -> d.deviceId().equals(push.getString("device_id")));
  }

  private static JsonObject device(JsonArray devices, String deviceId) {
    return devices.stream().map(JsonObject.class::cast).filter(d -> deviceId.equals(d.getString("device_id")))
        .findFirst().orElseThrow();
  }

  private static synchronized List<JsonObject> pushesTo(TestDevice device) {
    return pushes.stream().filter(p -> device.deviceId().equals(p.getString("device_id"))).toList();
  }

  private static JsonObject awaitPush(Predicate<JsonObject> match) {
    long deadline = System.currentTimeMillis() + 15_000;
    synchronized (AttentionTest.class) {
      while (true) {
        for (JsonObject push : pushes) {
          if (match.test(push)) {
            return push;
          }
        }
        long left = deadline - System.currentTimeMillis();
        if (left <= 0) {
          throw new AssertionError("no matching push within 15 s; got " + pushes);
        }
        try {
          AttentionTest.class.wait(left);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new AssertionError(e);
        }
      }
    }
  }
}
