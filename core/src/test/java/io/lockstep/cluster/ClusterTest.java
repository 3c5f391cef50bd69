package io.lockstep.cluster;

import io.lockstep.embedded.EmbeddedServices;
import io.lockstep.embedded.EmbeddedServices.EmbeddedRedis;
import io.lockstep.test.ConsoleClient;
import io.lockstep.test.Eventually;
import io.lockstep.test.LockstepCluster;
import io.lockstep.test.LockstepCluster.Node;
import io.lockstep.test.LockstepCluster.ProcessNode;
import io.lockstep.test.LockstepNode;
import io.lockstep.test.TestDevice;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import static io.lockstep.test.LockstepNode.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Three clustered nodes on 127.0.0.1 (plus one in its own JVM, for the crash) with a Redis of their
 * own, so that Redis itself can be restarted. A user's devices on two nodes, a sender on the third.
 */
class ClusterTest {

  private static final EmbeddedRedis REDIS = EmbeddedServices.startRedis();
  private static volatile EmbeddedRedis currentRedis = REDIS;

  @RegisterExtension
  static final LockstepCluster CLUSTER = new LockstepCluster(3,
      LockstepNode.unlimitedSends().put("presence", new JsonObject().put("ttl", "3s"))
          .put("conversations", new JsonObject().put("stream_threshold", 3))
          .put("admin", new JsonObject().put("sample_interval", "500ms")), () -> REDIS.url());

  /** The crashed node's presence TTL: longer than the test waits, so only the survivors' purge removes it. */
  private static final String DOOMED_TTL = "60s";

  @AfterAll
  static void stopRedis() {
    currentRedis.stop();
  }

  @Test
  void devicesOnTwoNodesGetWhatASenderOnTheThirdSendsAndPresenceShowsWhereEachIs() {
    String conversation = CLUSTER.group("ana", "sam");
    TestDevice phone = CLUSTER.device(CLUSTER.node(0), "ana");
    TestDevice laptop = CLUSTER.device(CLUSTER.node(1), "ana");
    TestDevice sender = CLUSTER.device(CLUSTER.node(2), "sam");
    phone.connectAndSync();
    laptop.connectAndSync();
    sender.connectAndSync();

    JsonObject sent = sender.sendMessage(conversation, "s-1", "across the cluster");
    for (TestDevice device : List.of(phone, laptop)) {
      JsonObject event = device.awaitFrame(f -> "message".equals(f.getString("kind")));
      assertEquals(sent.getLong("conv_seq"), event.getJsonObject("data").getLong("conv_seq"));
    }

    JsonObject presence = CLUSTER.request(CLUSTER.node(2).httpPort(), HttpMethod.GET, "/v1/presence/ana",
        LockstepNode.API_KEY, null).bodyAsJsonObject();
    assertTrue(presence.getBoolean("online"));
    assertEquals(CLUSTER.node(0).id(), presenceOf(presence, phone.deviceId()).getString("node"));
    assertEquals(CLUSTER.node(1).id(), presenceOf(presence, laptop.deviceId()).getString("node"));
  }

  @Test
  void anOperatorOnOneNodeDisconnectsADeviceHeldByAnotherAndChartsEveryNode() {
    TestDevice phone = CLUSTER.device(CLUSTER.node(1), "oli");
    phone.connectAndSync();
    var admin = CLUSTER.node(0).server().config().admin();
    ConsoleClient console = new ConsoleClient(CLUSTER.clientVertx(), CLUSTER.node(0).httpPort())
        .signIn(admin.username(), admin.password());

    List<String> inThisJvm = List.of(CLUSTER.node(0).id(), CLUSTER.node(1).id(), CLUSTER.node(2).id());
    JsonObject history = Eventually.await(CLUSTER.clientVertx(), Duration.ofSeconds(15),
        () -> console.get("/admin/api/history?minutes=1").bodyAsJsonObject(),
        answer -> answer.getJsonObject("nodes").fieldNames().containsAll(inThisJvm) && answer.getJsonArray("t").size() >= 2,
        "every node's history, asked over the event bus");
    JsonArray clusterConnections = history.getJsonObject("cluster").getJsonArray("connections");
    double sumOfNodes = 0;
    int last = clusterConnections.size() - 1;
    for (String node : history.getJsonObject("nodes").fieldNames()) {
      Object value = history.getJsonObject("nodes").getJsonObject(node).getJsonArray("connections").getValue(last);
      sumOfNodes += value == null ? 0 : ((Number) value).doubleValue();
    }
    assertTrue(clusterConnections.getDouble(last) >= sumOfNodes, "the cluster's connections sum the nodes'");

    assertEquals(200, console.post("/admin/api/users/oli/devices/" + phone.deviceId() + "/disconnect").statusCode());
    assertEquals(4010, phone.awaitClose(Duration.ofSeconds(5)), "closed on the node that holds it, not the console's");
  }

  /**
   * The clustered session store writes asynchronously; each accepted change replaces the CSRF token. A
   * console client that reads and changes back to back must always hold the token its session holds,
   * also after a change that was refused.
   */
  @Test
  void anOperatorChangingThingsBackToBackOnAClusteredNodeIsNeverRefusedTheCsrfToken() {
    CLUSTER.device(CLUSTER.node(2), "pia").connectAndSync();
    var admin = CLUSTER.node(0).server().config().admin();
    ConsoleClient console = new ConsoleClient(CLUSTER.clientVertx(), CLUSTER.node(0).httpPort())
        .signIn(admin.username(), admin.password());
    for (int round = 0; round < 30; round++) {
      assertEquals(200, console.get("/admin/api/session").statusCode(), "round " + round);
      var accepted = console.post("/admin/api/users/pia/disconnect");
      assertEquals(200, accepted.statusCode(), "round " + round + ": " + accepted.bodyAsString());
      var refused = console.post("/admin/api/users/pia/devices/no-such-device/disconnect");
      assertEquals(404, refused.statusCode(), "round " + round + ": " + refused.bodyAsString());
    }
  }

  @Test
  void liveEventsGoOnlyToTheNodesThatHoldTheUsersDevices() {
    String conversation = CLUSTER.group("bo", "cy");
    Set<String> usersSeenByNodeC = ConcurrentHashMap.newKeySet();
    Node nodeC = CLUSTER.node(2);
    MessageConsumer<JsonObject> spy = nodeC.vertx().eventBus().consumer("lockstep.node." + nodeC.id() + ".deliver",
        message -> usersSeenByNodeC.addAll(message.body().getJsonObject("users").fieldNames()));
    await(spy.completion());
    try {
      TestDevice bosPhone = CLUSTER.device(CLUSTER.node(0), "bo");
      TestDevice bosLaptop = CLUSTER.device(CLUSTER.node(1), "bo");
      TestDevice cysPhone = CLUSTER.device(nodeC, "cy");
      bosPhone.connectAndSync();
      bosLaptop.connectAndSync();
      cysPhone.connectAndSync();
      for (int i = 0; i < 5; i++) {
        cysPhone.sendMessage(conversation, "c-" + i, "m" + i);
      }
      bosPhone.awaitEvents(5);
      bosLaptop.awaitEvents(5);
      cysPhone.awaitFrame(f -> "message".equals(f.getString("kind")) && f.getJsonObject("data").getLong("conv_seq") == 5);
      assertTrue(usersSeenByNodeC.contains("cy"), "node C gets the events of its own devices' user");
      assertFalse(usersSeenByNodeC.contains("bo"), "node C holds none of bo's devices and receives none of bo's events");
    } finally {
      await(spy.unregister());
    }
  }

  @Test
  void aKilledNodesPresenceDisappearsAndItsDevicesResumeOnAnotherNodeWithNothingLost() {
    ProcessNode doomed = CLUSTER.startProcessNode(DOOMED_TTL);
    String conversation = CLUSTER.group("dee", "eve");
    TestDevice tablet = CLUSTER.device(doomed.httpPort(), "dee");
    TestDevice sender = CLUSTER.device(CLUSTER.node(0), "eve");
    tablet.connectAndSync();
    sender.connectAndSync();
    for (int i = 0; i < 10; i++) {
      sender.sendMessage(conversation, "before-" + i, "m" + i);
    }
    List<JsonObject> before = tablet.awaitEvents(10);
    long cursor = before.get(before.size() - 1).getLong("seq");
    JsonObject presence = CLUSTER.request(CLUSTER.node(0).httpPort(), HttpMethod.GET, "/v1/presence/dee",
        LockstepNode.API_KEY, null).bodyAsJsonObject();
    assertEquals(doomed.id(), presenceOf(presence, tablet.deviceId()).getString("node"));

    doomed.kill();
    long killedAt = System.currentTimeMillis();
    for (int i = 0; i < 20; i++) {
      sender.sendMessage(conversation, "after-" + i, "n" + i);
    }
    while (presenceOf(presenceNow("dee"), tablet.deviceId()) != null) {
      assertTrue(System.currentTimeMillis() - killedAt < 15_000,
          "the survivors purge a departed node's presence as soon as it leaves, long before its " + DOOMED_TTL + " TTL");
      await(CLUSTER.node(0).vertx().timer(100));
    }

    TestDevice resumed = CLUSTER.device(CLUSTER.node(1), "dee").withDeviceId(tablet.deviceId());
    List<JsonObject> backlog = resumed.connectAndSync(new JsonObject().put("cursor", cursor));
    assertEquals(20, backlog.size());
    for (int i = 0; i < backlog.size(); i++) {
      assertEquals(cursor + 1 + i, backlog.get(i).getLong("seq"), "once each, in order, no gap");
      assertEquals("n" + i, backlog.get(i).getJsonObject("data").getJsonObject("body").getString("text"));
    }
  }

  @Test
  void aNodeStoppedWithSigtermClosesItsConnectionsWith1001AndItsProcessEnds() throws InterruptedException {
    ProcessNode stopping = CLUSTER.startProcessNode(DOOMED_TTL);
    TestDevice phone = CLUSTER.device(stopping.httpPort(), "fay");
    phone.connectAndSync();

    stopping.process().destroy();
    assertEquals(1001, phone.awaitClose(Duration.ofSeconds(20)), "going away, so the client reconnects elsewhere");
    assertTrue(stopping.process().waitFor(20, TimeUnit.SECONDS), "the process ends once the node has closed");
    assertEquals(143, stopping.process().exitValue(), "the exit status of a JVM ended by SIGTERM");
  }

  @Test
  void aKillMidSendInAStreamLeavesEveryAckedMessageDeliveredOnceToEveryMemberDevice() {
    ProcessNode doomed = CLUSTER.startProcessNode();
    String stream = CLUSTER.group("kim", "lev", "max", "ned");
    JsonObject streams = new JsonObject().put("streams", true);
    TestDevice sender = CLUSTER.device(doomed.httpPort(), "kim");
    sender.connectAndSync(streams);
    List<TestDevice> readers = List.of(CLUSTER.device(CLUSTER.node(0), "lev"), CLUSTER.device(CLUSTER.node(1), "max"),
        CLUSTER.device(CLUSTER.node(1), "kim"));
    for (TestDevice reader : readers) {
      reader.connectAndSync(streams);
    }
    TestDevice offline = CLUSTER.device(CLUSTER.node(2), "ned");
    offline.connectAndSync(streams);
    offline.disconnect();

    int total = 200;
    for (int i = 0; i < total; i++) {
      sender.send(new JsonObject().put("type", "send").put("id", i).put("conversation_id", stream)
          .put("client_msg_id", "k-" + i).put("body", new JsonObject().put("n", i)));
    }
    sender.awaitFrame(f -> "sent".equals(f.getString("type")) && f.getInteger("id") >= 20);
    doomed.kill();
    List<JsonObject> acked = sender.frames().stream().filter(f -> "sent".equals(f.getString("type"))).toList();
    assertTrue(acked.size() < total, "the node died mid-send: " + acked.size() + " of " + total + " answered");

    TestDevice retry = CLUSTER.device(CLUSTER.node(0), "kim").withDeviceId(sender.deviceId());
    retry.connectAndSync(streams);
    for (int i = 0; i < total; i++) {
      JsonObject again = retry.request(new JsonObject().put("type", "send").put("conversation_id", stream)
          .put("client_msg_id", "k-" + i).put("body", new JsonObject().put("n", i)));
      int n = i;
      acked.stream().filter(f -> f.getInteger("id") == n).findFirst().ifPresent(first -> {
        assertTrue(again.getBoolean("duplicate"), "an acked send is never written twice");
        assertEquals(first.getLong("conv_seq"), again.getLong("conv_seq"));
      });
    }
    offline.connect();
    offline.hello(streams);
    List<TestDevice> everyone = new ArrayList<>(readers);
    everyone.add(offline);
    for (TestDevice device : everyone) {
      List<Long> seqs = Eventually.await(CLUSTER.clientVertx(), Duration.ofSeconds(20), () -> streamSeqs(device, stream),
          received -> received.size() >= total, "every message reaching " + device.deviceId());
      for (int i = 0; i < total; i++) {
        assertEquals(i + 1L, seqs.get(i), "once each, in order, no gap");
      }
      assertEquals(total, seqs.size(), "nothing twice");
    }
  }

  private static List<Long> streamSeqs(TestDevice device, String stream) {
    List<Long> seqs = new ArrayList<>();
    for (JsonObject frame : device.frames()) {
      List<JsonObject> events = "events".equals(frame.getString("type")) && frame.getValue("id") == null
          ? frame.getJsonArray("events").stream().map(JsonObject.class::cast).toList() : List.of(frame);
      events.stream().filter(e -> "event".equals(e.getString("type")) && stream.equals(e.getString("stream")))
          .forEach(e -> seqs.add(e.getLong("seq")));
    }
    return seqs;
  }

  @Test
  void aRedisRestartLosesNothingAndPresenceIsRebuilt() {
    String conversation = CLUSTER.group("flo", "gus");
    TestDevice phone = CLUSTER.device(CLUSTER.node(0), "flo");
    TestDevice laptop = CLUSTER.device(CLUSTER.node(1), "flo");
    TestDevice sender = CLUSTER.device(CLUSTER.node(2), "gus");
    phone.connectAndSync();
    laptop.connectAndSync();
    sender.connectAndSync();
    long start = phone.awaitType("synced").getLong("head");
    sender.sendMessage(conversation, "r-0", "before");

    int port = currentRedis.port();
    currentRedis.stop();
    for (int i = 1; i <= 5; i++) {
      sender.sendMessage(conversation, "r-" + i, "while Redis is down");
    }
    currentRedis = EmbeddedServices.startRedis(port);
    for (int i = 6; i <= 10; i++) {
      sender.sendMessage(conversation, "r-" + i, "after");
    }

    for (TestDevice device : List.of(phone, laptop)) {
      List<JsonObject> events = device.awaitEvents(11);
      List<Long> seqs = new ArrayList<>();
      events.forEach(event -> seqs.add(event.getLong("seq")));
      List<Long> expected = new ArrayList<>();
      for (long seq = events.get(0).getLong("seq"); expected.size() < events.size(); seq++) {
        expected.add(seq);
      }
      assertEquals(expected, seqs, "no gap, no duplicate, in order");
      assertTrue(events.get(0).getLong("seq") > start);
    }
    Eventually.await(CLUSTER.node(0).vertx(), Duration.ofSeconds(5), () -> CLUSTER.redisKeys("presence:flo:*"), keys -> keys.size() >= 2,
        "presence rebuilt within the refresh period");
    assertTrue(CLUSTER.node(0).server().metrics().redisErrors.count() + CLUSTER.node(2).server().metrics().redisErrors.count() > 0,
        "the outage was counted");
  }

  /** A device of the rolling-restart test: where it is connected and everything it has seen. */
  private static final class Roaming {
    TestDevice device;
    int node;
    final List<JsonObject> seen = new ArrayList<>();

    long lastSeq(long start) {
      return seen.isEmpty() ? start : seen.get(seen.size() - 1).getLong("seq");
    }

    void collect(long start) {
      long last = lastSeq(start);
      device.events().stream().filter(e -> e.getLong("seq") > last).forEach(seen::add);
    }
  }

  @Test
  void aRollingRestartOfEveryNodeLosesNothing() {
    String conversation = CLUSTER.group("hal", "ida");
    List<Roaming> hals = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      Roaming roaming = new Roaming();
      roaming.device = CLUSTER.device(CLUSTER.node(i), "hal");
      roaming.device.connectAndSync();
      roaming.node = i;
      hals.add(roaming);
    }
    long start = hals.get(2).device.awaitType("synced").getLong("head");
    Roaming ida = new Roaming();
    ida.device = CLUSTER.device(CLUSTER.node(0), "ida");
    ida.device.connectAndSync();
    ida.node = 0;
    int sent = 0;
    for (int restarting = 0; restarting < 3; restarting++) {
      for (int k = 0; k < 5; k++) {
        ida.device.sendMessage(conversation, "roll-" + sent, "m" + sent);
        sent++;
      }
      for (Roaming hal : hals) {
        hal.collect(start);
      }
      CLUSTER.restart(restarting);
      int next = (restarting + 1) % 3;
      for (Roaming roaming : List.of(hals.get(0), hals.get(1), hals.get(2), ida)) {
        if (roaming.node != restarting) {
          continue;
        }
        assertTrue(roaming.device.awaitClose(Duration.ofSeconds(10)) > 0, "the restarting node closed it");
        roaming.collect(start);
        long cursor = roaming.lastSeq(start);
        roaming.device = CLUSTER.device(CLUSTER.node(next), roaming == ida ? "ida" : "hal")
            .withDeviceId(roaming.device.deviceId());
        roaming.node = next;
        List<JsonObject> caughtUp = roaming.device.connectAndSync(new JsonObject().put("cursor", cursor));
        if (roaming != ida) {
          roaming.seen.addAll(caughtUp);
        }
      }
    }
    for (int k = 0; k < 5; k++) {
      ida.device.sendMessage(conversation, "roll-" + sent, "m" + sent);
      sent++;
    }
    long expectedLast = start + sent;
    for (Roaming hal : hals) {
      hal.device.awaitFrame(f -> "event".equals(f.getString("type")) && f.getLong("seq") == expectedLast);
      hal.collect(start);
      for (int k = 0; k < hal.seen.size(); k++) {
        assertEquals(start + 1 + k, hal.seen.get(k).getLong("seq"), "every event once, in order");
      }
      assertEquals(sent, hal.seen.size());
    }
  }

  private static JsonObject presenceNow(String user) {
    return CLUSTER.request(CLUSTER.node(0).httpPort(), HttpMethod.GET, "/v1/presence/" + user, LockstepNode.API_KEY, null)
        .bodyAsJsonObject();
  }

  private static JsonObject presenceOf(JsonObject presence, String deviceId) {
    JsonArray devices = presence.getJsonArray("devices");
    return devices.stream().map(JsonObject.class::cast).filter(d -> deviceId.equals(d.getString("device_id")))
        .findFirst().map(d -> d.getJsonObject("presence")).orElse(null);
  }
}
