package io.lockstep.test;

import io.lockstep.client.Transport;
import io.lockstep.LockstepServer;
import io.lockstep.cluster.NodeRuntime;
import io.lockstep.config.ConfigLoader;
import io.lockstep.config.LockstepConfig;
import io.lockstep.store.PostgresTarget;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static io.lockstep.test.LockstepNode.await;

/**
 * Several clustered Lockstep nodes on 127.0.0.1 for one test class: one database, one Redis (the
 * given URL, so a test can run its own), one key prefix, Hazelcast over TCP-IP. In-JVM nodes each
 * have their own clustered Vert.x; {@link #startProcessNode} adds one in a separate JVM that a test
 * can kill with SIGKILL.
 */
public final class LockstepCluster implements BeforeAllCallback, AfterAllCallback {

  private static final Pattern UP = Pattern.compile("Lockstep node (\\S+) is up");

  private final int size;
  private final JsonObject overrides;
  private final java.util.function.Supplier<String> redisUrl;
  private final List<Integer> clusterPorts = new ArrayList<>();
  private final List<Integer> httpPorts = new ArrayList<>();
  private final List<Node> nodes = new ArrayList<>();
  private final List<TestDevice> devices = new ArrayList<>();
  private final List<Process> processes = new ArrayList<>();
  private PostgresTarget database;
  private String redisPrefix;
  private Vertx clientVertx;
  private WebClient http;

  /** One in-JVM node: its runtime and server. */
  public record Node(NodeRuntime runtime, LockstepServer server, int httpPort) {
    public String id() {
      return server.nodeId();
    }

    public Vertx vertx() {
      return runtime.vertx();
    }
  }

  public LockstepCluster(int size, JsonObject overrides, java.util.function.Supplier<String> redisUrl) {
    this.size = size;
    this.overrides = overrides;
    this.redisUrl = redisUrl;
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    database = TestStores.createDatabase();
    redisPrefix = TestStores.newRedisPrefix();
    clientVertx = Vertx.vertx();
    http = WebClient.create(clientVertx, new WebClientOptions().setDefaultHost("127.0.0.1"));
    for (int i = 0; i < size + 1; i++) {
      clusterPorts.add(Ports.free());
    }
    for (int i = 0; i < size; i++) {
      httpPorts.add(Ports.free());
      nodes.add(startNode(i));
    }
  }

  @Override
  public void afterAll(ExtensionContext context) {
    devices.forEach(TestDevice::closeQuietly);
    processes.forEach(Process::destroyForcibly);
    for (Node node : nodes) {
      if (node != null) {
        stopNode(node);
      }
    }
    await(clientVertx.close());
    TestStores.dropDatabase(database);
  }

  private Node startNode(int index) {
    LockstepConfig config = await(ConfigLoader.load(clientVertx, baseConfig(httpPorts.get(index), clusterPorts.get(index))));
    NodeRuntime runtime = await(NodeRuntime.start(config.cluster()));
    LockstepServer server = await(LockstepServer.start(runtime, config));
    return new Node(runtime, server, httpPorts.get(index));
  }

  private JsonObject baseConfig(int httpPort, int clusterPort) {
    JsonArray members = new JsonArray(clusterPorts.stream().map(port -> (Object) ("127.0.0.1:" + port)).toList());
    return new JsonObject()
        .put("mode", "dev")
        .put("http", new JsonObject().put("host", "127.0.0.1").put("port", httpPort).put("instances", 1))
        .put("pg", new JsonObject().put("url", database.url()).put("pool_size", 4))
        .put("redis", new JsonObject().put("url", redisUrl.get()).put("key_prefix", redisPrefix))
        .put("jwt", new JsonObject().put("secret", LockstepNode.JWT_SECRET))
        .put("api", new JsonObject().put("key", LockstepNode.API_KEY))
        .put("cluster", new JsonObject().put("enabled", true).put("host", "127.0.0.1").put("port", clusterPort)
            .put("members", members))
        .mergeIn(overrides, true);
  }

  private static void stopNode(Node node) {
    await(node.server().close());
    await(node.vertx().close());
  }

  public Node node(int index) {
    return nodes.get(index);
  }

  public int size() {
    return nodes.size();
  }

  /** Stops node index (cleanly) and starts it again on the same ports. */
  public void restart(int index) {
    stopNode(nodes.get(index));
    nodes.set(index, startNode(index));
  }

  /**
   * Starts one more node in its own JVM (the spare cluster port) and answers its process and node
   * id once it is up.
   */
  public ProcessNode startProcessNode() {
    JsonObject presence = overrides.getJsonObject("presence");
    return startProcessNode(presence == null ? null : presence.getString("ttl"));
  }

  /** As {@link #startProcessNode()}, with its own presence TTL (null: the default). */
  public ProcessNode startProcessNode(String presenceTtl) {
    int httpPort = Ports.free();
    int clusterPort = clusterPorts.get(size);
    JsonObject config = baseConfig(httpPort, clusterPort);
    Map<String, String> env = new HashMap<>();
    env.put("LOCKSTEP_MODE", "dev");
    env.put("LOCKSTEP_HTTP_HOST", "127.0.0.1");
    env.put("LOCKSTEP_HTTP_PORT", String.valueOf(httpPort));
    env.put("LOCKSTEP_HTTP_INSTANCES", "1");
    env.put("LOCKSTEP_PG_URL", database.url());
    env.put("LOCKSTEP_PG_POOL_SIZE", "4");
    env.put("LOCKSTEP_REDIS_URL", redisUrl.get());
    env.put("LOCKSTEP_REDIS_KEY_PREFIX", redisPrefix);
    env.put("LOCKSTEP_JWT_SECRET", LockstepNode.JWT_SECRET);
    env.put("LOCKSTEP_API_KEY", LockstepNode.API_KEY);
    env.put("LOCKSTEP_CLUSTER", "true");
    env.put("LOCKSTEP_CLUSTER_HOST", "127.0.0.1");
    env.put("LOCKSTEP_CLUSTER_PORT", String.valueOf(clusterPort));
    env.put("LOCKSTEP_CLUSTER_MEMBERS", config.getJsonObject("cluster").getJsonArray("members").stream()
        .map(String::valueOf).collect(Collectors.joining(",")));
    if (presenceTtl != null) {
      env.put("LOCKSTEP_PRESENCE_TTL", presenceTtl);
    }
    JsonObject conversations = overrides.getJsonObject("conversations");
    if (conversations != null && conversations.getValue("stream_threshold") != null) {
      env.put("LOCKSTEP_CONVERSATIONS_STREAM_THRESHOLD", String.valueOf(conversations.getValue("stream_threshold")));
    }
    try {
      env.put("LOCKSTEP_EMBEDDED_DATA_DIR", Files.createTempDirectory("lockstep-node").toString());
      ProcessBuilder builder = new ProcessBuilder(javaCommand(), "--add-opens", "java.base/java.lang=ALL-UNNAMED",
          "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED", "-Dhazelcast.phone.home.enabled=false",
          "-cp", System.getProperty("java.class.path"), "io.lockstep.Lockstep").redirectErrorStream(true);
      builder.environment().putAll(env);
      Process process = builder.start();
      processes.add(process);
      CompletableFuture<String> nodeId = new CompletableFuture<>();
      Thread reader = new Thread(() -> {
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
          String line;
          while ((line = lines.readLine()) != null) {
            Matcher up = UP.matcher(line);
            if (up.find()) {
              nodeId.complete(up.group(1));
            }
            if (line.contains("did not start")) {
              nodeId.completeExceptionally(new IllegalStateException(line));
            }
          }
        } catch (IOException ignored) {
          // the process ended
        }
        nodeId.completeExceptionally(new IllegalStateException("the node process ended before it was up"));
      }, "process-node-output");
      reader.setDaemon(true);
      reader.start();
      return new ProcessNode(process, nodeId.get(60, TimeUnit.SECONDS), httpPort);
    } catch (Exception e) {
      throw new IllegalStateException("could not start a node process: " + e.getMessage(), e);
    }
  }

  /** A node in its own JVM. */
  public record ProcessNode(Process process, String id, int httpPort) {
    public void kill() {
      process.destroyForcibly();
      try {
        process.waitFor(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  public TestDevice device(int httpPort, String userId) {
    TestDevice device = new TestDevice(clientVertx, httpPort, token(userId), Transport.WEBSOCKET);
    devices.add(device);
    return device;
  }

  public TestDevice device(Node node, String userId) {
    return device(node.httpPort(), userId);
  }

  public String token(String userId) {
    return nodes.get(0).server().auth().mint(userId, 3600);
  }

  public String group(String... members) {
    HttpResponse<Buffer> response = request(nodes.get(0).httpPort(), HttpMethod.POST, "/v1/server/conversations",
        LockstepNode.API_KEY, new JsonObject().put("kind", "group").put("members", new JsonArray(List.of((Object[]) members))));
    return response.bodyAsJsonObject().getJsonObject("conversation").getString("conversation_id");
  }

  public HttpResponse<Buffer> request(int port, HttpMethod method, String path, String bearer, JsonObject body) {
    var request = http.request(method, port, "127.0.0.1", path);
    if (bearer != null) {
      request.bearerTokenAuthentication(bearer);
    }
    return await(body == null ? request.send() : request.sendJsonObject(body));
  }

  public RowSet<Row> sql(String sql, Object... args) {
    return await(nodes.get(0).server().pool().preparedQuery(sql).execute(Tuple.wrap(args)));
  }

  /** Keys of this cluster's prefix matching the pattern, read from the given Redis. */
  public List<String> redisKeys(String pattern) {
    Redis redis = Redis.createClient(clientVertx, redisUrl.get());
    try {
      Response keys = await(redis.send(Request.cmd(Command.KEYS).arg(redisPrefix + pattern)));
      List<String> result = new ArrayList<>();
      keys.forEach(key -> result.add(key.toString()));
      return result;
    } finally {
      redis.close();
    }
  }

  public Vertx clientVertx() {
    return clientVertx;
  }

  private static String javaCommand() {
    return System.getProperty("java.home") + "/bin/java";
  }
}
