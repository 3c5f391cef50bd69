package io.lockstep.perf;

import io.lockstep.store.PostgresTarget;
import io.lockstep.test.TestStores;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A short run of every scenario and baseline against the real server jar, asserting that the counts
 * add up: every message reached every other device exactly once, every catch-up was complete and in
 * order, every reconnect synced. Sizes are tiny: figures come from perf/run.sh, not from here.
 */
class BenchTest {

  private static ServerProcess.Stores stores() {
    PostgresTarget admin = TestStores.adminTarget();
    return new ServerProcess.Stores(admin.host(), admin.port(), admin.user(), TestStores.redisUrl());
  }

  private static Options small() {
    return new Options().with("jar", System.getProperty("lockstep.jar")).with("heap", "512m")
        .with("users", "20").with("devices", "2").with("rate", "40").with("duration", "3s").with("warm-up", "0s")
        .with("events", "2000").with("storm", "60").with("reads", "20").with("connections", "200").with("hold", "1s")
        .with("step", "2s").with("start-rate", "40").with("pgbench-clients", "2").with("pgbench-duration", "1s");
  }

  @Test
  void everyScenarioRunsAndItsCountsAddUp() throws Exception {
    assumeTrue(Files.exists(Path.of(System.getProperty("lockstep.jar"))), "build core first");
    JsonObject results = Bench.run("all", small().with("no-nats", "true"), stores());

    JsonObject chat = results.getJsonObject("chat");
    assertEquals(120, chat.getLong("messages"));
    assertEquals(chat.getLong("deliveries_expected"), chat.getLong("deliveries"), "every message reached every other device");
    assertEquals(0, chat.getLong("duplicates"));
    assertEquals(0, chat.getLong("undelivered"));
    assertEquals(120, chat.getJsonObject("delivered_to_all").getLong("count"));
    assertTrue(results.getJsonObject("chat_find_max").getJsonArray("steps").size() >= 1);

    JsonObject fanout = results.getJsonObject("baseline_fanout");
    assertEquals(fanout.getLong("deliveries_expected"), fanout.getLong("deliveries"));
    assertTrue(results.getJsonObject("baseline_durable_writes").getLong("messages") > 0);
    JsonObject pgbench = results.getJsonObject("baseline_pgbench");
    if (!pgbench.containsKey("skipped")) {
      for (String script : new String[] {"lockstep_send", "minimal"}) {
        JsonObject figures = pgbench.getJsonObject(script);
        assertEquals(null, figures.getString("error"), script);
        assertTrue(figures.getLong("sends") > 0, script + ": " + figures.encode());
        assertEquals(figures.getLong("sends"), figures.getLong("messages_written"), script + ": every send pgbench counted wrote its message");
      }
    }
    assertTrue(results.getJsonObject("ratios").getJsonObject("durable_write_floor").getDouble("messages_per_s") > 0);

    JsonObject catchUp = results.getJsonObject("catch_up");
    assertEquals(2000, catchUp.getLong("received"));
    assertEquals(0, catchUp.getLong("out_of_order"));
    assertEquals(2000, catchUp.getJsonObject("batched").getLong("received"), "the batched catch-up is complete too");
    assertEquals(0, catchUp.getJsonObject("batched").getLong("out_of_order"));

    JsonObject storm = results.getJsonObject("storm");
    assertEquals(60, storm.getLong("synced"));
    assertEquals(0, storm.getLong("errors"));

    assertEquals(20, results.getJsonObject("read_propagation").getJsonObject("latency").getLong("count"));
    assertEquals(200, results.getJsonObject("connections").getLong("held"));
    assertTrue(results.getJsonObject("ratios").containsKey("p99_delivered_lockstep_over_fanout"));
  }

  @Test
  void aThrottledPgbenchFloorSendsAtItsRate() throws Exception {
    assumeTrue(Files.exists(Path.of(System.getProperty("lockstep.jar"))), "build core first");
    JsonObject pgbench = Bench.run("pgbench", small().with("pgbench-rate", "30").with("pgbench-duration", "4s"), stores())
        .getJsonObject("baseline_pgbench");
    assumeTrue(!pgbench.containsKey("skipped"), "no pgbench here");
    assertEquals(30, pgbench.getInteger("rate"));
    for (String script : new String[] {"lockstep_send", "minimal"}) {
      JsonObject figures = pgbench.getJsonObject(script);
      assertEquals(null, figures.getString("error"), script);
      double perSecond = figures.getDouble("sends_per_s");
      assertTrue(perSecond > 15 && perSecond < 45, script + " held to about 30 sends/s: " + figures.encode());
      assertEquals(figures.getLong("sends"), figures.getLong("messages_written"), script);
    }
  }

  /** Two tiny groups (the one of 10 a stream) and one the server refuses (its cap lowered to 10 members). */
  @Test
  void everyGroupSendIsAnsweredAndReachesEveryOnlineDeviceOnce() throws Exception {
    assumeTrue(Files.exists(Path.of(System.getProperty("lockstep.jar"))), "build core first");
    JsonObject groups = Bench.run("groups", new Options().with("jar", System.getProperty("lockstep.jar")).with("heap", "256m")
        .with("sizes", "2,10,11").with("sends", "10").with("warm-up-sends", "2").with("per-sender", "10").with("window", "5")
        .with("paced-sends", "20")
        .with("server-env", "LOCKSTEP_CONVERSATIONS_MAX_GROUP_MEMBERS=10,LOCKSTEP_CONVERSATIONS_STREAM_THRESHOLD=5"), stores())
        .getJsonObject("groups");

    for (String size : new String[] {"2", "10"}) {
      JsonObject result = groups.getJsonObject("sizes").getJsonObject(size);
      JsonObject counts = result.getJsonObject("counts");
      assertEquals(112, counts.getLong("messages"), size);
      assertEquals(112, counts.getLong("answered"), size + ": every send answered");
      assertEquals(0, counts.getLong("errors"), size);
      assertEquals(8, counts.getLong("online_devices"), size);
      assertEquals(112 * 7, counts.getLong("deliveries_expected"), size);
      assertEquals(counts.getLong("deliveries_expected"), counts.getLong("deliveries"), size + ": every message at every other online device");
      assertEquals(0, counts.getLong("duplicates"), size);
      assertEquals(0, counts.getLong("undelivered"), size);
      assertEquals(10, result.getJsonObject("sequential").getJsonObject("sent").getLong("count"), size);
      assertEquals(80, result.getJsonObject("concurrent").getJsonObject("delivered_to_all").getLong("count"), size);
      assertTrue(result.getJsonObject("concurrent").getLong("messages_per_s") > 0, size);
      assertEquals(20, result.getJsonObject("paced").getJsonObject("delivered_to_all").getLong("count"), size);
    }
    assertTrue(groups.getJsonObject("sizes").getJsonObject("11").getString("skipped").contains("at most 10 members"),
        groups.getJsonObject("sizes").getJsonObject("11").encode());
  }

  @Test
  void crossNodeDeliveryReachesBothNodesOfTheUser() throws Exception {
    assumeTrue(Files.exists(Path.of(System.getProperty("lockstep.jar"))), "build core first");
    JsonObject crossNode = Bench.run("cross-node", new Options().with("jar", System.getProperty("lockstep.jar"))
        .with("heap", "256m").with("messages", "20"), stores()).getJsonObject("cross_node");
    assertEquals(20, crossNode.getLong("messages"));
    assertEquals(40, crossNode.getLong("delivered_to_both"), "every message, warm-up included, reached both nodes' devices");
    assertEquals(20, crossNode.getJsonObject("latency").getLong("count"));
  }

  /**
   * The attention scenario, scaled down (6 people, 12 s): both halves get messages and read them, and
   * every message read is counted once.
   */
  @Test
  void bothHalvesOfTheAttentionScenarioAreMeasuredAndEveryReadIsCountedOnce() throws Exception {
    assumeTrue(Files.exists(Path.of(System.getProperty("lockstep.jar"))), "build core first");
    JsonObject attention = Bench.run("attention", new Options().with("jar", System.getProperty("lockstep.jar"))
        .with("heap", "256m").with("users", "6").with("duration", "12s"), stores()).getJsonObject("attention");
    for (String half : List.of("ladder", "all")) {
      JsonObject measured = attention.getJsonObject(half);
      assertTrue(measured.getLong("messages") > 0, measured.encode());
      assertTrue(measured.getLong("messages_read") <= measured.getLong("messages"), "a read is counted once: " + measured.encode());
      assertTrue(measured.getLong("messages_read") > 0, "people read what they get: " + measured.encode());
      assertEquals(measured.getLong("messages_read"), measured.getJsonObject("send_to_read").getLong("count"));
    }
    assertEquals(attention.getLong("messages"),
        attention.getJsonObject("ladder").getLong("messages") + attention.getJsonObject("all").getLong("messages"));
  }

  /**
   * The hostile scenario, scaled down (40 normal devices, 8 s per phase, two non-readers, a 20 MiB bomb).
   * The server keeps its default limits but for the upgrades per address, scaled down with the attack
   * (2/s, burst 30 instead of 20/s, burst 200) so that the looping connector passes them within 8 s
   * even on a slow machine; 30 still lets the 20 normal devices of one address connect at once.
   */
  @Test
  void normalDevicesGetEveryMessageOnceWhileEveryAttackerMeetsItsLimit() throws Exception {
    assumeTrue(Files.exists(Path.of(System.getProperty("lockstep.jar"))), "build core first");
    JsonObject hostile = Bench.run("hostile", new Options().with("jar", System.getProperty("lockstep.jar"))
        .with("heap", "512m").with("users", "20").with("devices", "2").with("rate", "20").with("duration", "8s")
        .with("warm-up", "0s").with("bomb-mib", "20").with("non-readers", "2").with("seed-messages", "20")
        .with("guesser-addresses", "4").with("server-env", "LOCKSTEP_LIMITS_UPGRADES_IP_TOKENS=2,LOCKSTEP_LIMITS_UPGRADES_IP_BURST=30"), stores())
        .getJsonObject("hostile");

    for (String phase : new String[] {"alone", "with_attackers"}) {
      JsonObject chat = hostile.getJsonObject(phase);
      assertEquals(160, chat.getLong("messages"));
      assertEquals(chat.getLong("deliveries_expected"), chat.getLong("deliveries"), phase + ": every message reached every other device");
      assertEquals(0, chat.getLong("duplicates"), phase);
      assertEquals(0, chat.getLong("undelivered"), phase);
      assertEquals(0, chat.getLong("errors"), phase + ": no normal device was refused anything");
    }
    hostile.getJsonObject("rate_limited_total_before_attack").forEach(counter ->
        assertEquals(0L, ((Number) counter.getValue()).longValue(), "normal devices alone met no limit: " + counter.getKey()));

    JsonObject attackers = hostile.getJsonObject("attackers");
    JsonObject bomb = attackers.getJsonObject("compression_bomb");
    assertTrue(bomb.getLong("bombs_written") > 0, bomb.encode());
    assertEquals(0, bomb.getLong("replies"), "a bomb is never answered: " + bomb.encode());
    bomb.getJsonObject("outcomes").fieldNames().forEach(outcome -> assertTrue(outcome.equals("http_429")
        || outcome.startsWith("close") || outcome.startsWith("reset"), "every bomb socket was closed or refused: " + bomb.encode()));

    JsonObject nonReaders = attackers.getJsonObject("non_readers");
    JsonObject readAtStop = nonReaders.getJsonObject("open_at_stop_then_read");
    assertTrue(readAtStop.getLong("close_frame_4008", 0L) + nonReaders.getJsonObject("outcomes").getLong("closed_by_server", 0L) > 0,
        "the non-readers were closed: " + nonReaders.encode());
    assertTrue(readAtStop.fieldNames().stream().allMatch("close_frame_4008"::equals),
        "every non-reader open at the end found 4008 slow_consumer when it finally read: " + nonReaders.encode());
    JsonObject heap = hostile.getJsonObject("heap");
    assertEquals(0, heap.getLong("out_of_memory_errors"));
    Double held = heap.getDouble("after_full_gc_with_attackers_attached_mib");
    assertTrue(held == null || held < heap.getLong("xmx_mib") / 2.0, "the server holds little for the attackers: " + held);

    JsonObject flooder = attackers.getJsonObject("flooder");
    assertTrue(flooder.getLong("sent") > 0, flooder.encode());
    assertTrue(flooder.getJsonObject("errors").fieldNames().stream().anyMatch(code -> code.startsWith("rate_limited")),
        "the flooder was rate limited: " + flooder.encode());
    assertEquals(null, flooder.getString("closed_by_server"), "a limited flooder stays connected");

    JsonObject looper = attackers.getJsonObject("connect_looper");
    assertTrue(looper.getJsonObject("outcomes").getLong("http_429", 0L) > 0, "the looping connector met 429: " + looper.encode());
    assertTrue(looper.getLong("largest_retry_after_s") >= 1, "with Retry-After");

    JsonObject guesser = attackers.getJsonObject("password_guesser");
    assertTrue(guesser.getJsonObject("console").getLong("http_429", 0L) > 0, guesser.encode());
    assertTrue(guesser.getJsonObject("metrics").getLong("http_429", 0L) > 0, guesser.encode());
    JsonObject rightPassword = guesser.getJsonObject("right_password_statuses");
    assertEquals(429, rightPassword.getInteger("console_from_guessing_address"), "the guesser is locked out");
    assertEquals(200, rightPassword.getInteger("console_from_clean_address"), "the operator still gets in");
    assertEquals(200, rightPassword.getInteger("metrics_from_clean_address"));
  }

  @Test
  void theNatsJetStreamPeerDeliversEveryMessageToEveryOtherDevice() throws Exception {
    URI nats = URI.create(System.getenv().getOrDefault("LOCKSTEP_PERF_NATS_URL", "nats://127.0.0.1:4222"));
    boolean reachable;
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(nats.getHost(), nats.getPort()), 1000);
      reachable = true;
    } catch (java.io.IOException e) {
      reachable = false;
    }
    if (!reachable) {
      System.out.println("NATS JetStream baseline test skipped: no NATS at " + nats);
    }
    assumeTrue(reachable, "no NATS at " + nats);
    for (boolean perDevice : new boolean[] {false, true}) {
      JsonObject result = Baselines.natsJetStream(10, 2, 40, java.time.Duration.ofSeconds(2), "t" + System.nanoTime(), perDevice);
      assertEquals(perDevice ? "one per device" : "one for all", result.getString("connections"));
      assertEquals(80, result.getLong("messages"));
      assertEquals(0, result.getLong("undelivered_messages"), "connections " + result.getString("connections"));
      assertEquals(80, result.getJsonObject("delivered_to_all").getLong("count"));
    }
  }
}
