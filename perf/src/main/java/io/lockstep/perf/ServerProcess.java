package io.lockstep.perf;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Writer;
import java.net.InetAddress;
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
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A Lockstep server under test: the real jar in its own JVM, on a fresh database of this machine's
 * PostgreSQL and a key prefix of its Redis. Reports the process's CPU time (from /proc), its heap and
 * other metrics (from its /metrics), and whether it ever printed an OutOfMemoryError.
 */
public final class ServerProcess implements AutoCloseable {

  public static final String JWT_SECRET = "perf-secret-perf-secret-perf-secret-0123456789";
  public static final String API_KEY = "perf-api-key";
  public static final String ADMIN_PASSWORD = "perf-admin";
  /** Limits of the server's defaults raised for the scenarios that measure speed (see {@link #generousLimits}). */
  private static final List<String> RAISED_LIMITS = List.of("FRAMES_CONNECTION", "FRAMES_USER", "SENDS_CONNECTION",
      "SENDS_USER", "MEMBERS_CONNECTION", "MEMBERS_USER", "SETTINGS_CONNECTION", "SETTINGS_USER", "UPGRADES_IP", "HELLOS_IP");

  private final Process process;
  private final HttpClient metricsClient = HttpClient.newHttpClient();
  private final int port;
  private final String database;
  private final String adminJdbc;
  private final String pgUser;
  private final String pgUrl;
  private final long maxHeapMiB;
  private final AtomicLong outOfMemoryErrors;
  private final boolean ownsDatabase;

  private ServerProcess(Process process, int port, String database, String adminJdbc, String pgUser, String pgUrl,
                        long maxHeapMiB, AtomicLong outOfMemoryErrors, boolean ownsDatabase) {
    this.ownsDatabase = ownsDatabase;
    this.process = process;
    this.port = port;
    this.database = database;
    this.adminJdbc = adminJdbc;
    this.pgUser = pgUser;
    this.pgUrl = pgUrl;
    this.maxHeapMiB = maxHeapMiB;
    this.outOfMemoryErrors = outOfMemoryErrors;
  }

  /**
   * Limits for the scenarios that measure speed rather than abuse (every one but hostile): they open
   * thousands of connections from 127.0.0.1 and seed logs through one connection as fast as it goes,
   * which the per-address and per-connection defaults (upgrades and hellos 20/s per address, sends
   * 20/s per connection) exist to refuse. A million per second keeps every bucket on the request path,
   * so what they cost is still measured, without one ever refusing.
   */
  public static Map<String, String> generousLimits() {
    Map<String, String> env = new TreeMap<>();
    for (String limit : RAISED_LIMITS) {
      env.put("LOCKSTEP_LIMITS_" + limit + "_TOKENS", "1000000");
      env.put("LOCKSTEP_LIMITS_" + limit + "_PER", "1s");
      env.put("LOCKSTEP_LIMITS_" + limit + "_BURST", "1000000");
    }
    return env;
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
   * options (a profiler agent, GC flags) go before -jar. The server's output is written to the file
   * named by LOCKSTEP_PERF_SERVER_LOG, if set.
   */
  public static ServerProcess start(Path jar, String heap, Stores stores, Map<String, String> extraEnv,
                                    List<String> jvmOptions) throws Exception {
    return start(jar, heap, stores, null, extraEnv, jvmOptions);
  }

  /**
   * Starts a cluster of that many nodes on one new database and Redis prefix, one after the other
   * (the first migrates the database), joined over Hazelcast on 127.0.0.1. Close the nodes in the
   * reverse order: the first drops the database.
   */
  public static List<ServerProcess> startCluster(Path jar, String heap, Stores stores, int nodes,
                                                 Map<String, String> extraEnv, List<String> jvmOptions) throws Exception {
    List<Integer> clusterPorts = new ArrayList<>();
    for (int i = 0; i < nodes; i++) {
      clusterPorts.add(freePort());
    }
    String members = String.join(",", clusterPorts.stream().map(port -> "127.0.0.1:" + port).toList());
    List<String> jvm = new ArrayList<>(jvmOptions);
    jvm.add("-Dhazelcast.phone.home.enabled=false");
    List<ServerProcess> started = new ArrayList<>();
    try {
      for (int i = 0; i < nodes; i++) {
        Map<String, String> env = new HashMap<>(extraEnv);
        env.put("LOCKSTEP_CLUSTER", "true");
        env.put("LOCKSTEP_CLUSTER_HOST", "127.0.0.1");
        env.put("LOCKSTEP_CLUSTER_PORT", String.valueOf(clusterPorts.get(i)));
        env.put("LOCKSTEP_CLUSTER_MEMBERS", members);
        started.add(start(jar, heap, stores, started.isEmpty() ? null : started.get(0).database, env, jvm));
      }
      return started;
    } catch (Exception e) {
      for (int i = started.size() - 1; i >= 0; i--) {
        started.get(i).close();
      }
      throw e;
    }
  }

  /** Starts the jar on the given database (null: a new one, dropped on close). */
  private static ServerProcess start(Path jar, String heap, Stores stores, String sharedDatabase,
                                     Map<String, String> extraEnv, List<String> jvmOptions) throws Exception {
    String pgHost = stores.pgHost();
    String pgPort = String.valueOf(stores.pgPort());
    String pgUser = stores.pgUser();
    String redis = stores.redisUrl();
    String adminJdbc = "jdbc:postgresql://" + pgHost + ":" + pgPort + "/postgres";
    String database = sharedDatabase != null ? sharedDatabase
        : "lockstep_perf_" + UUID.randomUUID().toString().replace("-", "").substring(0, 10);
    if (sharedDatabase == null) {
      execute(adminJdbc, pgUser, "CREATE DATABASE " + database);
    }
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
    AtomicLong outOfMemoryErrors = new AtomicLong();
    String logFile = System.getenv("LOCKSTEP_PERF_SERVER_LOG");
    Thread reader = new Thread(() -> {
      try (BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
           Writer log = logFile == null ? Writer.nullWriter()
               : Files.newBufferedWriter(Path.of(logFile), StandardCharsets.UTF_8)) {
        String line;
        while ((line = lines.readLine()) != null) {
          log.write(line + "\n");
          log.flush();
          if (line.contains("OutOfMemoryError")) {
            outOfMemoryErrors.incrementAndGet();
          }
          if (line.contains(" is up")) {
            up.complete(null);
          } else if (line.contains("did not start") || line.contains("ERROR") || line.contains("OutOfMemoryError")) {
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
    return new ServerProcess(process, port, database, adminJdbc, pgUser, pgUrl, mebibytes(heap), outOfMemoryErrors,
        sharedDatabase == null);
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
    return cpuSecondsOf(process.pid());
  }

  /** CPU seconds a process of this machine has used so far (user + system, from /proc); NaN once it is gone. */
  public static double cpuSecondsOf(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
      String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      long ticks = Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
      return ticks / 100.0;
    } catch (IOException | RuntimeException e) {
      return Double.NaN;
    }
  }

  /** The server process's resident memory (heap, direct buffers, metaspace, threads...), in MiB, from /proc. */
  public double residentMiB() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/" + process.pid() + "/status"))) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.replaceAll("\\D+", "")) / 1024.0;
        }
      }
    } catch (IOException | RuntimeException e) {
      // gone
    }
    return Double.NaN;
  }

  /**
   * Has the server run a full garbage collection (jcmd GC.run), so that the heap read next is what it
   * holds rather than what it has not collected yet; false where the JDK has no jcmd or it failed.
   */
  public boolean collectGarbage() {
    Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
    if (!Files.isExecutable(jcmd)) {
      return false;
    }
    try {
      Process gc = new ProcessBuilder(jcmd.toString(), String.valueOf(process.pid()), "GC.run")
          .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      return gc.waitFor(60, TimeUnit.SECONDS) && gc.exitValue() == 0;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** The server's -Xmx, in MiB. */
  public long maxHeapMiB() {
    return maxHeapMiB;
  }

  /** Lines of the server's output that mentioned an OutOfMemoryError so far. */
  public long outOfMemoryErrors() {
    return outOfMemoryErrors.get();
  }

  /**
   * The server's heap in use, in MiB, from its /metrics (asked again if the first answer has none).
   * One client for every scrape keeps its connection open, so that the heap can still be read while
   * the server holds all the sockets it can.
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
      return PrometheusText.sum(metrics(), "jvm_memory_used_bytes", labels -> labels.contains("area=\"heap\""))
          / (1024 * 1024);
    } catch (IOException e) {
      return Double.NaN;
    }
  }

  /**
   * The server's Prometheus scrape, read from 127.0.0.1 with the right admin password (so never
   * refused by the sign-in guard, which only locks addresses that failed).
   */
  public String metrics() throws IOException {
    try {
      HttpResponse<String> response = metricsClient.send(HttpRequest.newBuilder(
              URI.create("http://127.0.0.1:" + port + "/metrics")).timeout(java.time.Duration.ofSeconds(10))
          .header("Authorization", "Basic " + Base64.getEncoder().encodeToString(("admin:" + ADMIN_PASSWORD).getBytes()))
          .build(), HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() != 200) {
        throw new IOException("/metrics answered " + response.statusCode() + ": " + response.body());
      }
      return response.body();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(20, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
      if (ownsDatabase) {
        execute(adminJdbc, pgUser, "DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
      }
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

  /** A JVM heap size such as 512m or 1g, in MiB. */
  static long mebibytes(String size) {
    String value = size.trim().toLowerCase(Locale.ROOT);
    long number = Long.parseLong(value.replaceAll("[^0-9]", ""));
    return value.endsWith("g") ? number * 1024 : value.endsWith("k") ? number / 1024 : value.endsWith("m") ? number
        : number / (1024 * 1024);
  }

  /**
   * A port free now and below Linux's ephemeral range (32768 up): every port here is chosen before
   * the process or server that binds it starts, and a free ephemeral port could meanwhile become the
   * source port of some outgoing connection (an earlier node's to PostgreSQL, say).
   */
  static int freePort() throws IOException {
    for (int attempt = 0; attempt < 200; attempt++) {
      int port = ThreadLocalRandom.current().nextInt(20_000, 32_000);
      try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
        return port;
      } catch (IOException taken) {
        // in use: draw another
      }
    }
    throw new IOException("no free port between 20000 and 32000 on 127.0.0.1");
  }
}
