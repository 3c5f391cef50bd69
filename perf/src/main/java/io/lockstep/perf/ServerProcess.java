package io.lockstep.perf;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Lockstep server under test: the real jar in its own JVM, on a fresh database of this machine's
 * PostgreSQL and a key prefix of its Redis. Reports the process's CPU time (from /proc) and heap
 * (from its /metrics).
 */
public final class ServerProcess implements AutoCloseable {

  public static final String JWT_SECRET = "perf-secret-perf-secret-perf-secret-0123456789";
  public static final String API_KEY = "perf-api-key";
  public static final String ADMIN_PASSWORD = "perf-admin";
  private static final Pattern HEAP = Pattern.compile("^jvm_memory_used_bytes\\{area=\"heap\"[^}]*} (\\S+)$", Pattern.MULTILINE);

  private final Process process;
  private final HttpClient metricsClient = HttpClient.newHttpClient();
  private final int port;
  private final String database;
  private final String adminJdbc;
  private final String pgUser;
  private final String pgUrl;

  private ServerProcess(Process process, int port, String database, String adminJdbc, String pgUser, String pgUrl) {
    this.process = process;
    this.port = port;
    this.database = database;
    this.adminJdbc = adminJdbc;
    this.pgUser = pgUser;
    this.pgUrl = pgUrl;
  }

  /** Where the server's database and Redis live: a PostgreSQL server (databases are created on it) and a Redis URL. */
  public record Stores(String pgHost, int pgPort, String pgUser, String redisUrl) {
    /** This machine's services, or those named by LOCKSTEP_PERF_PG_HOST/PORT/USER and LOCKSTEP_PERF_REDIS_URL. */
    public static Stores fromEnvironment() {
      Map<String, String> env = System.getenv();
      return new Stores(env.getOrDefault("LOCKSTEP_PERF_PG_HOST", "127.0.0.1"),
          Integer.parseInt(env.getOrDefault("LOCKSTEP_PERF_PG_PORT", "5432")),
          env.getOrDefault("LOCKSTEP_PERF_PG_USER", "postgres"),
          env.getOrDefault("LOCKSTEP_PERF_REDIS_URL", "redis://127.0.0.1:6379"));
    }
  }

  /**
   * Starts the jar on a new database; extra environment variables override the defaults, and extra JVM
   * options (a profiler agent, GC flags) go before -jar.
   */
  public static ServerProcess start(Path jar, String heap, Stores stores, Map<String, String> extraEnv,
                                    List<String> jvmOptions) throws Exception {
    String pgHost = stores.pgHost();
    String pgPort = String.valueOf(stores.pgPort());
    String pgUser = stores.pgUser();
    String redis = stores.redisUrl();
    String adminJdbc = "jdbc:postgresql://" + pgHost + ":" + pgPort + "/postgres";
    String database = "lockstep_perf_" + UUID.randomUUID().toString().replace("-", "").substring(0, 10);
    execute(adminJdbc, pgUser, "CREATE DATABASE " + database);
    int port = freePort();
    Map<String, String> env = new HashMap<>();
    String pgUrl = "postgresql://" + pgUser + "@" + pgHost + ":" + pgPort + "/" + database;
    env.put("LOCKSTEP_MODE", "dev");
    env.put("LOCKSTEP_HTTP_HOST", "127.0.0.1");
    env.put("LOCKSTEP_HTTP_PORT", String.valueOf(port));
    env.put("LOCKSTEP_PG_URL", pgUrl);
    env.put("LOCKSTEP_PG_POOL_SIZE", "16");
    env.put("LOCKSTEP_REDIS_URL", redis);
    env.put("LOCKSTEP_REDIS_KEY_PREFIX", "perf:" + database + ":");
    env.put("LOCKSTEP_JWT_SECRET", JWT_SECRET);
    env.put("LOCKSTEP_API_KEY", API_KEY);
    env.put("LOCKSTEP_ADMIN_PASSWORD", ADMIN_PASSWORD);
    env.put("LOCKSTEP_RETENTION_MAX_EVENTS", "0");
    env.put("LOCKSTEP_RETENTION_MAX_AGE", "0");
    env.put("LOCKSTEP_PLUGINS_DIR", "/nonexistent");
    env.put("LOCKSTEP_EMBEDDED_DATA_DIR", Files.createTempDirectory("lockstep-perf").toString());
    env.putAll(extraEnv);
    List<String> command = new ArrayList<>(List.of(System.getProperty("java.home") + "/bin/java", "-Xms" + heap, "-Xmx" + heap));
    command.addAll(jvmOptions);
    command.addAll(List.of("-jar", jar.toAbsolutePath().toString()));
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().putAll(env);
    Process process = builder.start();
    CompletableFuture<Void> up = new CompletableFuture<>();
    Thread reader = new Thread(() -> {
      try (BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = lines.readLine()) != null) {
          if (line.contains(" is up")) {
            up.complete(null);
          } else if (line.contains("did not start") || line.contains("ERROR")) {
            System.err.println("server: " + line);
            if (line.contains("did not start")) {
              up.completeExceptionally(new IllegalStateException(line));
            }
          }
        }
      } catch (IOException ignored) {
        // the process ended
      }
      up.completeExceptionally(new IllegalStateException("the server process ended"));
    }, "server-output");
    reader.setDaemon(true);
    reader.start();
    up.get(90, TimeUnit.SECONDS);
    return new ServerProcess(process, port, database, adminJdbc, pgUser, pgUrl);
  }

  public int port() {
    return port;
  }

  public String pgUrl() {
    return pgUrl;
  }

  public String jdbcUrl() {
    return adminJdbc.replace("/postgres", "/" + database);
  }

  public String pgUser() {
    return pgUser;
  }

  /** CPU seconds the server process has used so far (user + system, from /proc). */
  public double cpuSeconds() {
    try {
      String stat = Files.readString(Path.of("/proc/" + process.pid() + "/stat"));
      String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      long ticks = Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
      return ticks / 100.0;
    } catch (IOException | RuntimeException e) {
      return Double.NaN;
    }
  }

  /** Heap in use, in MiB, from the server's own metrics (asked again if the first answer has none). */
  /**
   * The server's heap in use, from its /metrics. One client for every scrape keeps its connection
   * open, so that the heap can still be read while the server holds all the sockets it can.
   */
  public double heapMiB() {
    for (int attempt = 0; attempt < 5; attempt++) {
      double heap = scrapeHeapMiB();
      if (heap > 0) {
        return heap;
      }
      ChatScenario.sleepUntil(System.nanoTime() + 500_000_000L);
    }
    return Double.NaN;
  }

  private double scrapeHeapMiB() {
    try {
      HttpResponse<String> response = metricsClient.send(HttpRequest.newBuilder(
              URI.create("http://127.0.0.1:" + port + "/metrics")).timeout(java.time.Duration.ofSeconds(10))
          .header("Authorization", "Basic " + Base64.getEncoder().encodeToString(("admin:" + ADMIN_PASSWORD).getBytes()))
          .build(), HttpResponse.BodyHandlers.ofString());
      Matcher matcher = HEAP.matcher(response.body());
      double bytes = 0;
      while (matcher.find()) {
        bytes += Double.parseDouble(matcher.group(1));
      }
      return bytes / (1024 * 1024);
    } catch (IOException | InterruptedException e) {
      return Double.NaN;
    }
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(20, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
      execute(adminJdbc, pgUser, "DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
    } catch (Exception e) {
      System.err.println("could not clean up " + database + ": " + e.getMessage());
    }
  }

  static void execute(String jdbc, String user, String sql) throws SQLException {
    try (Connection connection = DriverManager.getConnection(jdbc, user, "");
         Statement statement = connection.createStatement()) {
      statement.execute(sql);
    }
  }

  static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
