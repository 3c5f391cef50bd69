package io.lockstep.perf;

import io.vertx.core.json.JsonObject;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Entry point of perf/run.sh: one scenario (or all of them with the baselines) against a Lockstep
 * server it starts on this machine's PostgreSQL and Redis; prints a summary and writes JSON and HTML
 * results under perf/results.
 */
public final class Bench {

  private static final String USAGE = """
      usage: perf/run.sh SCENARIO [options]
        chat         --users 2000 --devices 3 --rate 500 --duration 30s [--find-max]
        catch-up     --events 100000 --warm-up-events 100000
        storm        --storm 5000
        read         --devices 3 --reads 300
        cross-node   --messages 200   (three clustered nodes, --heap 512m each)
        connections  --connections 20000 --hold 20s
        groups       [--sizes 2,10,100,1000] [--large] --sends 500 --warm-up-sends 50 --senders 8 --per-sender 100 --window 100
                     --online-members 4 --group-devices 2 [--floor]   (one conversation per size; --floor: the pgbench floor too; not part of all)
        pgbench      --pgbench-clients 16 --pgbench-threads 2 --pgbench-duration 20s [--pgbench-rate 250]   (the pgbench durable-write floor; a rate throttles it)
        hostile      --users 500 --devices 2 --rate 100 --duration 30s [--attackers bomb,non_readers,flooder,looper,guesser]
                     [--bomb-mib 200 --non-readers 10 --seed-messages 60 --sync-burst 300 --flood-body 60000
                      --guesser-addresses 8 --guesses-per-s 50]   (the server keeps its default limits)
        attention    --users 40 --duration 60s --escalate-after 2s --seed 7   (the push ladder against push-every-offline-device)
        baselines    --users 2000 --devices 3 --rate 500 --duration 30s   (durable-write limit, pgbench floor, fan-out limit, NATS JetStream: one connection, then one per device)
        all          every scenario and baseline, ratios included (not hostile)
      common: --jar core/target/lockstep.jar --heap 1g --out perf/results --server-env LOCKSTEP_X=y,...
              --server-jvm "-XX:+Flag -agentpath:..." (JVM options of the server under test)""";

  private Bench() {
  }

  public static void main(String[] args) throws Exception {
    boolean help = List.of(args).contains("--help");
    if (args.length == 0 || args[0].startsWith("-") || help) {
      System.out.println(USAGE);
      System.exit(help ? 0 : 2);
    }
    String scenario = args[0];
    Options options = Options.parse(args, 1);
    String name = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")) + "-" + scenario;
    Path out = Path.of(options.string("out", "perf/results"));
    JsonObject results = run(scenario, options, ServerProcess.Stores.fromEnvironment(), partial -> {
      try {
        Report.write(out, name, partial);
      } catch (java.io.IOException e) {
        System.err.println("could not write partial results: " + e.getMessage());
      }
    });
    Path json = Report.write(out, name, results);
    System.out.println(summary(results));
    System.out.println("results: " + json + " (and .html)");
    System.exit(0);
  }

  public static JsonObject run(String scenario, Options options, ServerProcess.Stores stores) throws Exception {
    return run(scenario, options, stores, partial -> { });
  }

  /** Runs the scenario; after each part, the results so far are handed to checkpoint (a long run keeps what it measured). */
  public static JsonObject run(String scenario, Options options, ServerProcess.Stores stores,
                               java.util.function.Consumer<JsonObject> checkpoint) throws Exception {
    Path jar = Path.of(options.string("jar", "core/target/lockstep.jar"));
    String runId = "r" + UUID.randomUUID().toString().substring(0, 6);
    JsonObject results = new JsonObject().put("scenario", scenario).put("options", new JsonObject(Map.copyOf(options.asMap())))
        .put("machine", machine()).put("date", LocalDateTime.now().toString());
    int users = options.integer("users", 2000);
    int devices = options.integer("devices", 3);
    int rate = options.integer("rate", 500);
    Duration duration = options.duration("duration", Duration.ofSeconds(30));
    Map<String, String> env = new TreeMap<>(scenario.equals("hostile") ? Map.of() : ServerProcess.generousLimits());
    env.putAll(serverEnv(options));
    results.put("server_env", new JsonObject(new LinkedHashMap<>(env)));
    if (scenario.equals("cross-node")) {
      List<ServerProcess> nodes = ServerProcess.startCluster(jar, options.string("heap", "512m"), stores,
          CrossNodeScenario.NODES, env, serverJvm(options));
      try {
        System.out.println("cross-node delivery");
        results.put("cross_node", CrossNodeScenario.run(nodes, options.integer("messages", 200), runId));
      } finally {
        for (int i = nodes.size() - 1; i >= 0; i--) {
          nodes.get(i).close();
        }
      }
      return results;
    }
    if (scenario.equals("attention")) {
      int receiverPort = ServerProcess.freePort();
      env.putAll(AttentionScenario.serverEnv(receiverPort, options.string("escalate-after", "2s")));
      try (ServerProcess server = ServerProcess.start(jar, options.string("heap", "1g"), stores, env, serverJvm(options));
           Fleet fleet = new Fleet(server.port());
           AttentionScenario.Receiver receiver = new AttentionScenario.Receiver(fleet.vertx(), receiverPort)) {
        System.out.println("attention: the push ladder against push-every-offline-device, one run");
        results.put("attention", AttentionScenario.run(fleet, receiver, options.integer("users", 40),
            options.duration("duration", Duration.ofSeconds(60)), options.integer("seed", 7), runId));
      }
      return results;
    }
    try (ServerProcess server = ServerProcess.start(jar, options.string("heap", "1g"), stores, env, serverJvm(options));
         Fleet fleet = new Fleet(server.port())) {
      if (scenario.equals("hostile")) {
        results.put("hostile", HostileScenario.run(fleet, server, options, runId));
      }
      if (scenario.equals("groups")) {
        results.put("groups", GroupsScenario.run(fleet, server, options, runId));
        checkpoint.accept(results);
      }
      if (scenario.equals("pgbench") || scenario.equals("baselines") || scenario.equals("all")
          || scenario.equals("groups") && options.flag("floor")) {
        System.out.println("baseline: pgbench durable-write floor on the server's database");
        results.put("baseline_pgbench", PgbenchFloor.run(fleet, server, options, runId));
        checkpoint.accept(results);
      }
      if (scenario.equals("chat") || scenario.equals("all") || scenario.equals("baselines")) {
        System.out.printf("provisioning %d users x %d devices%n", users, devices);
        ChatScenario.Population population = ChatScenario.provision(fleet, users, devices, runId);
        if (!scenario.equals("baselines")) {
          Duration warmUp = options.duration("warm-up", Duration.ofSeconds(10));
          if (!warmUp.isZero()) {
            System.out.printf("warm-up: chat at %d messages/s for %s (not recorded)%n", rate, warmUp);
            ChatScenario.run(fleet, population, rate, warmUp, server);
          }
          System.out.printf("chat at %d messages/s for %s%n", rate, duration);
          results.put("chat", ChatScenario.run(fleet, population, rate, duration, server));
          checkpoint.accept(results);
          if (options.flag("find-max") || scenario.equals("all")) {
            System.out.println("chat: finding the highest rate with p99 send→delivered ≤ 50 ms");
            results.put("chat_find_max", ChatScenario.findMax(fleet, population, options.integer("start-rate", 200),
                options.duration("step", Duration.ofSeconds(10)), server, 50));
            checkpoint.accept(results);
          }
        }
        if (!scenario.equals("chat")) {
          System.out.println("baseline: durable writes straight to PostgreSQL");
          results.put("baseline_durable_writes", Baselines.durableWrites(server, fleet, population,
              Duration.ofSeconds(Math.min(15, duration.toSeconds())), options.integer("batch", 50), options.integer("parallel", 8)));
          ChatScenario.closeAll(population);
          System.out.println("baseline: bare Vert.x fan-out server");
          results.put("baseline_fanout", fanout(users, devices, rate, duration, runId));
          checkpoint.accept(results);
          if (!options.flag("no-nats")) {
            System.out.println("baseline: NATS JetStream");
            int natsUsers = options.integer("nats-users", Math.min(users, 300));
            results.put("baseline_nats_jetstream", Baselines.natsJetStream(natsUsers, devices, rate, duration, runId, false));
            checkpoint.accept(results);
            System.out.println("baseline: NATS JetStream, a connection per device");
            results.put("baseline_nats_jetstream_per_device",
                Baselines.natsJetStream(natsUsers, devices, rate, duration, runId + "d", true));
          }
        } else {
          ChatScenario.closeAll(population);
        }
      }
      if (scenario.equals("catch-up") || scenario.equals("all")) {
        int events = options.integer("events", 100_000);
        int warmUp = options.integer("warm-up-events", events);
        System.out.println("catch-up (after a warm-up catch-up of " + warmUp + " events, not recorded)");
        Scenarios.catchUp(fleet, server, warmUp, runId + "w");
        results.put("catch_up", Scenarios.catchUp(fleet, server, events, runId));
        checkpoint.accept(results);
      }
      if (scenario.equals("storm") || scenario.equals("all")) {
        System.out.println("reconnect storm");
        results.put("storm", Scenarios.storm(fleet, server, options.integer("storm", 5000), runId));
        checkpoint.accept(results);
      }
      if (scenario.equals("read") || scenario.equals("all")) {
        System.out.println("read propagation");
        results.put("read_propagation", Scenarios.readPropagation(fleet, devices, options.integer("reads", 300), runId));
        checkpoint.accept(results);
      }
      if (scenario.equals("connections") || scenario.equals("all")) {
        System.out.println("idle connections");
        results.put("connections", Scenarios.connections(server, options.integer("connections", 20_000),
            options.duration("hold", Duration.ofSeconds(20)), runId));
      }
    }
    results.put("ratios", ratios(results));
    return results;
  }

  /** --server-env KEY=VALUE,KEY=VALUE: extra environment of the server under test (its configuration). */
  static Map<String, String> serverEnv(Options options) {
    Map<String, String> env = new java.util.HashMap<>();
    for (String pair : options.string("server-env", "").split(",")) {
      if (pair.contains("=")) {
        env.put(pair.substring(0, pair.indexOf('=')).trim(), pair.substring(pair.indexOf('=') + 1).trim());
      }
    }
    return env;
  }

  /** --server-jvm "OPTION OPTION": extra JVM options of the server under test, e.g. a profiler agent. */
  static List<String> serverJvm(Options options) {
    String value = options.string("server-jvm", "").trim();
    return value.isEmpty() ? List.of() : List.of(value.split("\\s+"));
  }

  /** The fan-out limit: the same chat workload against the bare broadcast server, run as its own process. */
  static JsonObject fanout(int users, int devices, int rate, Duration duration, String runId) throws Exception {
    int port = ServerProcess.freePort();
    Process process = new ProcessBuilder(System.getProperty("java.home") + "/bin/java", "-Xmx1g", "-cp",
        System.getProperty("java.class.path"), FanoutServer.class.getName(), String.valueOf(port)).redirectErrorStream(true).start();
    try {
      CompletableFuture<Void> up = new CompletableFuture<>();
      Thread reader = new Thread(() -> {
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
          String line;
          while ((line = lines.readLine()) != null) {
            if (line.contains("is up")) {
              up.complete(null);
            }
          }
        } catch (Exception ignored) {
          // ended
        }
      });
      reader.setDaemon(true);
      reader.start();
      up.get(60, TimeUnit.SECONDS);
      try (Fleet fleet = new Fleet(port)) {
        ChatScenario.Population population = ChatScenario.provision(fleet, users, devices, runId + "f");
        JsonObject result = ChatScenario.run(fleet, population, rate, duration, null);
        ChatScenario.closeAll(population);
        return result;
      }
    } finally {
      process.destroyForcibly();
    }
  }

  static JsonObject ratios(JsonObject results) {
    JsonObject ratios = new JsonObject();
    JsonObject floor = durableFloor(results);
    JsonObject findMax = results.getJsonObject("chat_find_max");
    JsonObject groups = results.getJsonObject("groups");
    JsonObject bySize = groups == null ? new JsonObject() : groups.getJsonObject("messages_per_s_by_size");
    if (floor != null) {
      ratios.put("durable_write_floor", floor);
      double perSecond = floor.getDouble("messages_per_s");
      if (findMax != null) {
        ratios.put("lockstep_max_rate_vs_durable_write_floor", Latency.round(findMax.getInteger("max_rate") / perSecond));
      }
      bySize.forEach(size -> ratios.put("groups_" + size.getKey() + "_concurrent_vs_durable_write_floor",
          Latency.round(((Number) size.getValue()).doubleValue() / perSecond)));
    }
    if (bySize.containsKey("1000") && bySize.containsKey("10")) {
      ratios.put("groups_1000_over_10_concurrent", Latency.round(bySize.getDouble("1000") / Math.max(1, bySize.getDouble("10"))));
    }
    JsonObject chat = results.getJsonObject("chat");
    for (String baseline : new String[] {"baseline_fanout", "baseline_nats_jetstream", "baseline_nats_jetstream_per_device"}) {
      JsonObject other = results.getJsonObject(baseline);
      if (chat != null && other != null) {
        ratios.put("p99_delivered_lockstep_over_" + baseline.replace("baseline_", ""),
            Latency.round(chat.getJsonObject("delivered_to_all").getDouble("p99_ms")
                / Math.max(0.01, other.getJsonObject("delivered_to_all").getDouble("p99_ms"))));
        ratios.put("p50_delivered_lockstep_over_" + baseline.replace("baseline_", ""),
            Latency.round(chat.getJsonObject("delivered_to_all").getDouble("p50_ms")
                / Math.max(0.01, other.getJsonObject("delivered_to_all").getDouble("p50_ms"))));
      }
    }
    return ratios;
  }

  /**
   * The highest durable-write floor measured in the run (the harness's batched writer, pgbench with
   * lockstep_send, pgbench with the minimal statement), named: every ratio is taken against it.
   */
  static JsonObject durableFloor(JsonObject results) {
    String name = null;
    double best = 0;
    JsonObject durable = results.getJsonObject("baseline_durable_writes");
    if (durable != null && durable.getLong("messages_per_s") > best) {
      name = "durable_write_limit (batched writer)";
      best = durable.getLong("messages_per_s");
    }
    JsonObject pgbench = results.getJsonObject("baseline_pgbench");
    for (String script : new String[] {"lockstep_send", "minimal"}) {
      JsonObject figures = pgbench == null ? null : pgbench.getJsonObject(script);
      if (figures != null && figures.getDouble("sends_per_s", 0.0) > best) {
        name = "pgbench " + script;
        best = figures.getDouble("sends_per_s");
      }
    }
    return name == null ? null : new JsonObject().put("baseline", name).put("messages_per_s", best);
  }

  static JsonObject machine() {
    return new JsonObject().put("cores", Runtime.getRuntime().availableProcessors())
        .put("memory_gib", Latency.round(totalMemoryGiB())).put("java", System.getProperty("java.version"))
        .put("os", System.getProperty("os.name") + " " + System.getProperty("os.version"));
  }

  private static double totalMemoryGiB() {
    try {
      String line = java.nio.file.Files.readAllLines(Path.of("/proc/meminfo")).get(0);
      return Long.parseLong(line.replaceAll("\\D+", "")) / 1024.0 / 1024.0;
    } catch (Exception e) {
      return Double.NaN;
    }
  }

  static String summary(JsonObject results) {
    StringBuilder out = new StringBuilder("\n");
    for (String key : results.fieldNames()) {
      if (key.equals("hostile")) {
        out.append(HostileScenario.summary(results.getJsonObject(key))).append('\n');
      } else if (results.getValue(key) instanceof JsonObject section && !key.equals("options") && !key.equals("machine")) {
        JsonObject shown = section.copy();
        shown.remove("series");
        shown.remove("steps");
        out.append(String.format("%-26s %s%n", key, shown.encode()));
      }
    }
    return out.toString();
  }
}
