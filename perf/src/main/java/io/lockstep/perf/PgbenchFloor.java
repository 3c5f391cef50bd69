package io.lockstep.perf;

import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The durable-write floor measured by pgbench on the server's own database, no server in between:
 * many clients, one 1:1 send per transaction, each client in a conversation of its own (so none
 * waits on another's locks). Two scripts: the server's SQL function lockstep_send, and one minimal
 * statement writing the same kinds of rows (the conversation's counter, both users' counters, the
 * message, both log rows), the least PostgreSQL can do for them. Sends per second, average latency,
 * and PostgreSQL's CPU per send over the run (from /proc).
 */
public final class PgbenchFloor {

  /** One row per pgbench client (:client_id): the sender, its device, the other member, their conversation. */
  private static final String CLIENTS_TABLE = "perf_pgbench_clients";

  static final String SEND_SCRIPT = """
      \\set r random(1, 9000000000000000000)
      SELECT s.outcome FROM perf_pgbench_clients p,
        LATERAL lockstep_send(p.sender_user, p.sender_device, p.conversation_id, 'pgbench-' || :r, '{"text":"pgbench"}'::jsonb) s
       WHERE p.client_id = :client_id;
      """;

  static final String MINIMAL_SCRIPT = """
      \\set r random(1, 9000000000000000000)
      WITH p AS (SELECT * FROM perf_pgbench_clients WHERE client_id = :client_id),
      c AS (UPDATE conversations c SET head = c.head + 1 FROM p WHERE c.conversation_id = p.conversation_id RETURNING c.head),
      u AS (UPDATE users u SET head = u.head + 1 FROM p WHERE u.user_id IN (p.sender_user, p.other_user) RETURNING u.user_id, u.head),
      m AS (INSERT INTO messages (conversation_id, conv_seq, sender_user, sender_device, sender_seq, client_msg_id, body, created_at)
            SELECT p.conversation_id, c.head, p.sender_user, p.sender_device, u.head, 'minimal-' || :r, '{"text":"pgbench"}'::jsonb, now()
              FROM p, c, u WHERE u.user_id = p.sender_user
            RETURNING conversation_id, conv_seq, created_at)
      INSERT INTO user_events (user_id, seq, kind, ts, conversation_id, conv_seq)
      SELECT u.user_id, u.head, 'message', m.created_at, m.conversation_id, m.conv_seq FROM u, m;
      """;

  private static final Pattern TPS = Pattern.compile("tps = ([0-9.]+) \\(without initial connection time\\)");
  private static final Pattern PROCESSED = Pattern.compile("number of transactions actually processed: (\\d+)");
  private static final Pattern FAILED = Pattern.compile("number of failed transactions: (\\d+)");
  private static final Pattern LATENCY = Pattern.compile("latency average = ([0-9.]+) ms");

  private PgbenchFloor() {
  }

  /** Seeds one conversation per client through the server API, then runs both scripts; skipped (with the reason) without pgbench. */
  public static JsonObject run(Fleet fleet, ServerProcess server, Options options, String runId) throws Exception {
    String pgbench = options.string("pgbench", System.getenv().getOrDefault("LOCKSTEP_PERF_PGBENCH", "pgbench"));
    String version = version(pgbench);
    if (version == null) {
      System.out.println("  pgbench floor skipped: no '" + pgbench + "' to run (--pgbench or LOCKSTEP_PERF_PGBENCH names it)");
      return new JsonObject().put("skipped", "no " + pgbench + " on this machine");
    }
    int clients = options.integer("pgbench-clients", 16);
    int threads = Math.min(clients, options.integer("pgbench-threads", 2));
    Duration duration = options.duration("pgbench-duration", Duration.ofSeconds(20));
    int rate = options.integer("pgbench-rate", 0);
    seed(fleet, server, clients, runId);
    JsonObject result = new JsonObject().put("pgbench", version).put("clients", clients).put("threads", threads)
        .put("duration_s", duration.toSeconds()).put("mode", "prepared");
    if (rate > 0) {
      result.put("rate", rate);
    }
    long before = writtenMessages(server);
    JsonObject send = script(pgbench, server, "lockstep_send", SEND_SCRIPT, clients, threads, duration, rate);
    long afterSend = writtenMessages(server);
    JsonObject minimal = script(pgbench, server, "minimal", MINIMAL_SCRIPT, clients, threads, duration, rate);
    long afterMinimal = writtenMessages(server);
    result.put("lockstep_send", send.put("messages_written", afterSend - before))
        .put("minimal", minimal.put("messages_written", afterMinimal - afterSend));
    JsonObject best = send.getDouble("sends_per_s", 0.0) >= minimal.getDouble("sends_per_s", 0.0) ? send : minimal;
    return result.put("sends_per_s", best.getDouble("sends_per_s", 0.0)).put("best_script", best.getString("script"));
  }

  /**
   * The conversations: clients pairs of users, created through the server API (so every row is what
   * the server writes), the sender's device by its hello; the table the scripts find them in.
   */
  private static void seed(Fleet fleet, ServerProcess server, int clients, String runId) throws Exception {
    List<String[]> rows = new ArrayList<>();
    List<Device> devices = new ArrayList<>();
    for (int c = 0; c < clients; c++) {
      String sender = runId + "-pb" + c + "-a";
      String other = runId + "-pb" + c + "-b";
      String conversation = Fleet.await(fleet.conversation("direct", List.of(sender, other)));
      Device device = new Device(sender, c);
      Fleet.await(device.connect(fleet, new JsonObject().put("device_name", "pgbench " + c)));
      devices.add(device);
      rows.add(new String[] {sender, device.deviceId, other, conversation});
    }
    Fleet.closeAll(devices);
    try (Connection db = DriverManager.getConnection(server.jdbcUrl(), server.pgUser(), "");
         Statement statement = db.createStatement()) {
      statement.execute("CREATE TABLE " + CLIENTS_TABLE + " (client_id int PRIMARY KEY, sender_user text NOT NULL,"
          + " sender_device text NOT NULL, other_user text NOT NULL, conversation_id text NOT NULL)");
      try (PreparedStatement insert = db.prepareStatement("INSERT INTO " + CLIENTS_TABLE + " VALUES (?, ?, ?, ?, ?)")) {
        for (int c = 0; c < rows.size(); c++) {
          insert.setInt(1, c);
          for (int i = 0; i < 4; i++) {
            insert.setString(i + 2, rows.get(c)[i]);
          }
          insert.addBatch();
        }
        insert.executeBatch();
      }
      statement.execute("ANALYZE " + CLIENTS_TABLE);
    }
  }

  /** Messages in the seeded conversations: what the scripts wrote, checked against what pgbench counted. */
  private static long writtenMessages(ServerProcess server) throws Exception {
    try (Connection db = DriverManager.getConnection(server.jdbcUrl(), server.pgUser(), "");
         Statement statement = db.createStatement();
         ResultSet rows = statement.executeQuery("SELECT count(*) FROM messages m JOIN " + CLIENTS_TABLE
             + " p ON p.conversation_id = m.conversation_id")) {
      rows.next();
      return rows.getLong(1);
    }
  }

  /**
   * One pgbench run of the script, as fast as it goes or, with a rate, throttled to that many sends a
   * second (pgbench -R, as chat's open loop is); its figures and PostgreSQL's CPU seconds per send.
   */
  private static JsonObject script(String pgbench, ServerProcess server, String name, String script, int clients,
                                   int threads, Duration duration, int rate) throws Exception {
    Path file = Files.createTempFile("lockstep-pgbench-" + name, ".sql");
    Files.writeString(file, script);
    URI url = URI.create(server.pgUrl());
    List<String> command = new ArrayList<>(List.of(pgbench, "-n", "-M", "prepared", "-c", String.valueOf(clients),
        "-j", String.valueOf(threads), "-T", String.valueOf(Math.max(1, duration.toSeconds()))));
    if (rate > 0) {
      command.addAll(List.of("-R", String.valueOf(rate)));
    }
    command.addAll(List.of("-f", file.toString(), "-h", url.getHost(), "-p", String.valueOf(url.getPort()),
        "-U", server.pgUser(), url.getPath().substring(1)));
    System.out.println("  " + String.join(" ", command));
    PostgresCpu postgres = PostgresCpu.start(server);
    long start = System.nanoTime();
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    boolean ended = process.waitFor(duration.toSeconds() + 60, TimeUnit.SECONDS);
    double seconds = (System.nanoTime() - start) / 1e9;
    double cpu = postgres.stop();
    Files.deleteIfExists(file);
    JsonObject result = new JsonObject().put("script", name);
    if (!ended || process.exitValue() != 0) {
      System.out.println("  pgbench " + name + " failed:\n" + output);
      return result.put("error", output.strip());
    }
    long processed = Long.parseLong(first(PROCESSED, output, "0"));
    double tps = Double.parseDouble(first(TPS, output, "0"));
    System.out.printf("  %s: %.0f sends/s, %s ms average, PostgreSQL %.3f ms CPU per send%n", name, tps,
        first(LATENCY, output, "?"), cpu * 1000 / Math.max(1, processed));
    return result.put("sends", processed).put("failed", Long.parseLong(first(FAILED, output, "0")))
        .put("sends_per_s", Math.round(tps * 10) / 10.0).put("latency_average_ms", Double.parseDouble(first(LATENCY, output, "0")))
        .put("postgres_cpu_s", Latency.round(cpu)).put("window_s", Latency.round(seconds))
        .put("postgres_cpu_ms_per_send", Math.round(cpu * 1_000_000 / Math.max(1, processed)) / 1000.0);
  }

  private static String first(Pattern pattern, String text, String fallback) {
    Matcher matcher = pattern.matcher(text);
    return matcher.find() ? matcher.group(1) : fallback;
  }

  /** pgbench's version line, or null where it cannot be run. */
  private static String version(String pgbench) {
    try {
      Process process = new ProcessBuilder(pgbench, "--version").redirectErrorStream(true).start();
      String answer = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
      return process.waitFor() == 0 ? answer : null;
    } catch (IOException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }
}
