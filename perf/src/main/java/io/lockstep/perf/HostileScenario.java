package io.lockstep.perf;

import io.lockstep.perf.attack.AttackerProcess;
import io.lockstep.perf.attack.Attackers;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * hostile: normal devices chat at a fixed open-loop rate (the chat scenario's machinery), measured
 * first alone and then beside attackers, on one server process running with the default limits. The
 * attackers run in a process of their own ({@link Attackers}): compression bombs before hello,
 * sockets that ask for catch-up pages and never read, a sender flooding as fast as it can, a client
 * opening and closing connections in a loop, and a password guesser. Normal devices connect from
 * 127.0.1.x, twenty to an address, so that the per-address limits apply to them as to real clients;
 * the attackers connect from 127.0.66.x, the harness reads /metrics from 127.0.0.1.
 *
 * <p>Reports the normal devices' send→delivered latency in both phases and its p99 ratio, whether
 * every message reached every other device exactly once, the server's heap and resident memory
 * sampled every 250 ms against its -Xmx (and its heap after a full collection, the attackers still
 * connected), OutOfMemoryErrors in its output, every attacker's fate, and the server's
 * lockstep_rate_limited_total counters: before the attack (the normal devices' own, which should be
 * none), when each limit first refused something after the attackers started, and at the end.
 */
public final class HostileScenario {

  /** The ratio of p99 send→delivered with attackers to without that the scenario aims to stay under. */
  static final double TARGET_P99_RATIO = 1.5;
  /** Normal devices that share one source address, as phones behind one carrier NAT might. */
  static final int DEVICES_PER_ADDRESS = 20;
  private static final Duration SAMPLE_INTERVAL = Duration.ofMillis(250);
  /**
   * How long after a phase the last deliveries are awaited; longer than chat's 20 s, since a stall
   * under attack can outlast that, and a message late by a minute is told apart from one lost.
   */
  private static final Duration DRAIN_LIMIT = Duration.ofSeconds(60);

  private HostileScenario() {
  }

  /** Normal device number i connects from 127.0.(1 + a / 250).(1 + a % 250), a = i / 20. */
  static String normalAddress(int device) {
    int address = device / DEVICES_PER_ADDRESS;
    return "127.0." + (1 + address / 250) + "." + (1 + address % 250);
  }

  public static JsonObject run(Fleet fleet, ServerProcess server, Options options, String runId) throws Exception {
    int users = options.integer("users", 500);
    int devices = options.integer("devices", 2);
    int rate = options.integer("rate", 100);
    Duration duration = options.duration("duration", Duration.ofSeconds(30));
    Duration warmUp = options.duration("warm-up", Duration.ofSeconds(10));
    Duration settle = options.duration("attack-settle", Duration.ofSeconds(5));
    List<String> attackers = Arrays.asList(options.string("attackers", String.join(",", Attackers.ALL)).split(","));

    System.out.printf("hostile: provisioning the attack (non-readers' log of %d messages of 60 KB)%n",
        options.integer("seed-messages", 60));
    JsonObject plan = plan(fleet, server, options, runId, attackers);
    System.out.printf("hostile: provisioning %d users x %d devices from %d addresses%n", users, devices,
        (users * devices + DEVICES_PER_ADDRESS - 1) / DEVICES_PER_ADDRESS);
    ChatScenario.Population population = ChatScenario.provision(fleet, users, devices, runId, HostileScenario::normalAddress);

    JsonObject result = new JsonObject().put("attack_settle_s", settle.toSeconds())
        .put("normal", new JsonObject().put("users", users).put("devices_per_user", devices)
        .put("devices_per_address", DEVICES_PER_ADDRESS).put("rate", rate).put("duration_s", duration.toSeconds()));
    JsonObject load = new JsonObject();
    try (ServerSampler sampler = ServerSampler.start(server, SAMPLE_INTERVAL)) {
      if (!warmUp.isZero()) {
        sampler.phase("warm_up");
        System.out.printf("hostile: warm-up, chat at %d messages/s for %s (not recorded)%n", rate, warmUp);
        ChatScenario.run(fleet, population, rate, warmUp, server);
      }
      sampler.phase("alone");
      load.put("alone_start", loadAverage());
      System.out.printf("hostile: chat alone at %d messages/s for %s%n", rate, duration);
      JsonObject alone = ChatScenario.run(fleet, population, rate, duration, server, DRAIN_LIMIT);
      result.put("rate_limited_total_before_attack", rateLimited(server));

      sampler.phase("attackers_starting");
      load.put("attack_start", loadAverage());
      System.out.println("hostile: starting the attackers: " + String.join(", ", attackers));
      JsonObject beside;
      JsonObject fates;
      Double heldUnderAttack;
      try (AttackerProcess attack = AttackerProcess.start(plan)) {
        if (!settle.isZero()) {
          System.out.printf("hostile: attack settling for %s (its start-up shares this machine's cores; not recorded)%n",
              settle);
          ChatScenario.run(fleet, population, rate, settle, server);
        }
        sampler.phase("with_attackers");
        System.out.printf("hostile: chat beside the attackers at %d messages/s for %s%n", rate, duration);
        beside = ChatScenario.run(fleet, population, rate, duration, server, DRAIN_LIMIT);
        sampler.phase("attackers_stopping");
        load.put("attack_end", loadAverage());
        heldUnderAttack = server.collectGarbage() ? Latency.round(server.heapMiB()) : null;
        fates = attack.stop();
      }
      if (fates.getJsonObject("password_guesser") != null) {
        fates.getJsonObject("password_guesser").put("admin_audit_rows_by_action", auditRows(server));
      }
      ChatScenario.closeAll(population);

      double p99Ratio = ratio(beside, alone, "p99_ms");
      result.put("alone", alone).put("with_attackers", beside)
          .put("p50_ratio", ratio(beside, alone, "p50_ms")).put("p99_ratio", p99Ratio)
          .put("target_p99_ratio", TARGET_P99_RATIO).put("p99_ratio_met", p99Ratio <= TARGET_P99_RATIO)
          .put("heap", heapReport(server, sampler).put("after_full_gc_with_attackers_attached_mib", heldUnderAttack))
          .put("attackers", fates.put("plan", planSummary(plan)))
          .put("refusals_after_attackers_started", sampler.refusalsSince("attackers_starting"))
          .put("rate_limited_total", rateLimited(server))
          .put("machine_load_1m", load);
    }
    return result;
  }

  /** Provisions what the attackers need and answers their plan. */
  private static JsonObject plan(Fleet fleet, ServerProcess server, Options options, String runId, List<String> attackers)
      throws Exception {
    JsonObject plan = new JsonObject().put("port", server.port()).put("attackers", new JsonArray(attackers))
        .put("bomb_mib", options.integer("bomb-mib", 200))
        .put("sync_burst", options.integer("sync-burst", 300))
        .put("looper_user", runId + "-looper").put("looper_loops", options.integer("looper-loops", 4))
        .put("guesser_addresses", options.integer("guesser-addresses", 8))
        .put("guesses_per_s", options.integer("guesses-per-s", 50))
        .put("admin_user", "admin").put("admin_password", ServerProcess.ADMIN_PASSWORD);
    if (attackers.contains("non_readers")) {
      plan.put("non_readers", nonReaders(fleet, server, options.integer("non-readers", 10),
          options.integer("seed-messages", 60), runId));
    }
    if (attackers.contains("flooder")) {
      String flooder = runId + "-flooder";
      plan.put("flood", new JsonObject().put("user_id", flooder).put("body_chars", options.integer("flood-body", 60_000))
          .put("conversation_id", Fleet.await(fleet.conversation("direct", List.of(flooder, runId + "-flood-victim")))));
    }
    return plan;
  }

  /**
   * The non-readers' devices: users in one group with a writer whose 60 KB messages are seeded through
   * the server's SQL, each device greeted once and caught up, so that it can come back with a cursor
   * that owes it nothing. Answers [{user_id, device_id, cursor}].
   */
  private static JsonArray nonReaders(Fleet fleet, ServerProcess server, int count, int messages, String runId)
      throws Exception {
    String writer = runId + "-nr-writer";
    List<String> members = new ArrayList<>(List.of(writer));
    for (int i = 0; i < count; i++) {
      members.add(runId + "-nr" + i);
    }
    String conversation = Fleet.await(fleet.conversation(count == 1 ? "direct" : "group", members));
    Device writerDevice = new Device(writer, 0, Attackers.NON_READER_ADDRESS);
    Fleet.await(writerDevice.connect(fleet, new JsonObject()));
    List<Device> readers = new ArrayList<>();
    for (String member : members.subList(1, members.size())) {
      Device device = new Device(member, readers.size(), Attackers.NON_READER_ADDRESS);
      Fleet.await(device.connect(fleet, new JsonObject()));
      Fleet.await(device.close());
      readers.add(device);
    }
    Scenarios.seed(server, writer, writerDevice.deviceId, conversation, messages,
        new JsonObject().put("text", "x".repeat(60_000)));
    Fleet.await(writerDevice.close());
    JsonArray identities = new JsonArray();
    for (Device device : readers) {
      Fleet.await(device.connect(fleet, new JsonObject()));
      Fleet.await(device.close());
      identities.add(new JsonObject().put("user_id", device.userId).put("device_id", device.deviceId)
          .put("cursor", device.lastSeq));
    }
    return identities;
  }

  private static JsonObject planSummary(JsonObject plan) {
    JsonObject summary = plan.copy();
    summary.remove("admin_password");
    summary.remove("port");
    JsonArray nonReaders = summary.getJsonArray("non_readers");
    if (nonReaders != null) {
      summary.put("non_readers", nonReaders.size());
    }
    return summary;
  }

  private static JsonObject heapReport(ServerProcess server, ServerSampler sampler) {
    JsonObject beside = sampler.peaks("with_attackers");
    JsonObject stopping = sampler.peaks("attackers_stopping");
    double peakUnderAttack = Math.max(beside.getDouble("peak_heap_mib"), stopping.getDouble("peak_heap_mib"));
    return new JsonObject()
        .put("xmx_mib", server.maxHeapMiB())
        .put("alone", sampler.peaks("alone"))
        .put("with_attackers", beside)
        .put("attackers_stopping", stopping)
        .put("peak_under_attack_mib", peakUnderAttack)
        .put("peak_under_attack_over_xmx", Latency.round(peakUnderAttack / server.maxHeapMiB()))
        .put("under_half_of_xmx", peakUnderAttack < server.maxHeapMiB() / 2.0)
        .put("out_of_memory_errors", server.outOfMemoryErrors())
        .put("series", sampler.series());
  }

  /** The console's audit log, rows by action: the server writes one for every sign-in attempt, refused ones too. */
  private static JsonObject auditRows(ServerProcess server) throws java.sql.SQLException {
    JsonObject rows = new JsonObject();
    try (java.sql.Connection connection = java.sql.DriverManager.getConnection(server.jdbcUrl(), server.pgUser(), "");
         java.sql.Statement statement = connection.createStatement();
         java.sql.ResultSet actions = statement.executeQuery(
             "SELECT action, count(*) FROM admin_audit GROUP BY action ORDER BY action")) {
      while (actions.next()) {
        rows.put(actions.getString(1), actions.getLong(2));
      }
    }
    return rows;
  }

  /** The server's lockstep_rate_limited_total counters by limit (read from 127.0.0.1 with the right password). */
  private static JsonObject rateLimited(ServerProcess server) throws java.io.IOException {
    JsonObject counters = new JsonObject();
    for (Map.Entry<String, Double> counter
        : PrometheusText.byLabel(server.metrics(), "lockstep_rate_limited_total", "limit").entrySet()) {
      counters.put(counter.getKey(), Math.round(counter.getValue()));
    }
    return counters;
  }

  private static double ratio(JsonObject with, JsonObject without, String percentile) {
    return Latency.round(with.getJsonObject("delivered_to_all").getDouble(percentile)
        / Math.max(0.01, without.getJsonObject("delivered_to_all").getDouble(percentile)));
  }

  /**
   * This machine's 1-minute load average (from /proc/loadavg): the other work that shared its cores
   * with the server, the generator and the attackers.
   */
  private static Double loadAverage() {
    try {
      return Double.parseDouble(java.nio.file.Files.readString(java.nio.file.Path.of("/proc/loadavg")).split(" ")[0]);
    } catch (java.io.IOException | RuntimeException e) {
      return null;
    }
  }

  /** A few lines for the console: latencies and their ratio, deliveries, memory, and each attacker's fate. */
  static String summary(JsonObject hostile) {
    JsonObject alone = hostile.getJsonObject("alone");
    JsonObject beside = hostile.getJsonObject("with_attackers");
    JsonObject heap = hostile.getJsonObject("heap");
    StringBuilder out = new StringBuilder(String.format(
        "hostile: send→delivered p50/p99 alone %.2f/%.2f ms, with attackers %.2f/%.2f ms: p99 ×%.2f (target ≤ %.1f: %s)%n",
        alone.getJsonObject("delivered_to_all").getDouble("p50_ms"), alone.getJsonObject("delivered_to_all").getDouble("p99_ms"),
        beside.getJsonObject("delivered_to_all").getDouble("p50_ms"), beside.getJsonObject("delivered_to_all").getDouble("p99_ms"),
        hostile.getDouble("p99_ratio"), TARGET_P99_RATIO, hostile.getBoolean("p99_ratio_met") ? "met" : "missed"));
    for (JsonObject phase : List.of(alone, beside)) {
      out.append(String.format("  %s: %d of %d deliveries, %d duplicates, %d undelivered, %d errors, server %.2f cores%n",
          phase == alone ? "alone" : "with attackers", phase.getLong("deliveries"), phase.getLong("deliveries_expected"),
          phase.getLong("duplicates"), phase.getLong("undelivered"), phase.getLong("errors"), phase.getDouble("server_cpu_cores")));
    }
    out.append(String.format("  server heap under attack: peak %.0f MiB of %d MiB (%.2f; target < 0.5: %s), %s MiB after a full GC,"
            + " resident peak %.0f MiB, OutOfMemoryError lines: %d%n",
        heap.getDouble("peak_under_attack_mib"), heap.getLong("xmx_mib"), heap.getDouble("peak_under_attack_over_xmx"),
        heap.getBoolean("under_half_of_xmx") ? "met" : "missed", heap.getValue("after_full_gc_with_attackers_attached_mib"),
        heap.getJsonObject("with_attackers").getDouble("peak_resident_mib"), heap.getLong("out_of_memory_errors")));
    JsonObject attackers = hostile.getJsonObject("attackers");
    for (String name : attackers.fieldNames()) {
      if (attackers.getValue(name) instanceof JsonObject fate) {
        out.append("  ").append(name).append(": ").append(fate.encode()).append('\n');
      }
    }
    return out.append("  refusals after the attackers' process started: ")
        .append(hostile.getJsonObject("refusals_after_attackers_started").encode()).append('\n')
        .append("  lockstep_rate_limited_total: ").append(hostile.getJsonObject("rate_limited_total").encode()).toString();
  }
}
