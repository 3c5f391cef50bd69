package io.lockstep.test;

import io.lockstep.client.Transport;
import io.lockstep.LockstepServer;
import io.lockstep.cluster.NodeRuntime;
import io.lockstep.config.ConfigLoader;
import io.lockstep.config.LockstepConfig.ClusterConfig;
import io.lockstep.store.PostgresTarget;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
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

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real Lockstep node for one test class: its own database and Redis prefix, a free port, fixed
 * secrets. Register as {@code @RegisterExtension static final LockstepNode NODE = new LockstepNode()}.
 */
public final class LockstepNode implements BeforeAllCallback, AfterAllCallback {

  public static final String JWT_SECRET = "test-secret-test-secret-test-secret-0123456789";
  public static final String API_KEY = "test-api-key";
  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  private final JsonObject overrides;
  private final boolean vertxMetrics;
  private final List<TestDevice> devices = new ArrayList<>();
  /** The runtime with Vert.x's metrics, or null: then each start gets a registry of its own (LockstepServer.start). */
  private NodeRuntime runtime;
  private Vertx vertx;
  private PostgresTarget database;
  private String redisPrefix;
  private int port;
  private LockstepServer server;
  private WebClient http;
  private Redis redis;

  public LockstepNode() {
    this(new JsonObject());
  }

  /** Configuration overrides on top of the test defaults, in the YAML tree's shape. */
  public LockstepNode(JsonObject overrides) {
    this(overrides, false);
  }

  private LockstepNode(JsonObject overrides, boolean vertxMetrics) {
    this.overrides = overrides;
    this.vertxMetrics = vertxMetrics;
  }

  /**
   * A node on a Vert.x built as the production launcher builds it, whose /metrics also has Vert.x's
   * own and the JVM's meters (jvm_*, process_*), for tests of what dashboards and alerts name.
   */
  public static LockstepNode withVertxMetrics(JsonObject overrides) {
    return new LockstepNode(overrides, true);
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    runtime = vertxMetrics
        ? await(NodeRuntime.start(new ClusterConfig(false, "127.0.0.1", 0, 0, List.of(), "lockstep", ""))) : null;
    vertx = vertxMetrics ? runtime.vertx() : Vertx.vertx();
    database = TestStores.createDatabase();
    redisPrefix = TestStores.newRedisPrefix();
    port = Ports.free();
    start();
    http = WebClient.create(vertx, new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(port));
    redis = Redis.createClient(vertx, TestStores.redisUrl());
  }

  @Override
  public void afterAll(ExtensionContext context) {
    devices.forEach(TestDevice::closeQuietly);
    await(server.close());
    List<String> keys = redisKeys("*");
    if (!keys.isEmpty()) {
      Request del = Request.cmd(Command.DEL);
      keys.forEach(del::arg);
      await(redis.send(del));
    }
    redis.close();
    await(vertx.close());
    TestStores.dropDatabase(database);
  }

  private void start() {
    JsonObject config = new JsonObject()
        .put("mode", "dev")
        .put("http", new JsonObject().put("host", "127.0.0.1").put("port", port).put("instances", 2))
        .put("pg", new JsonObject().put("url", database.url()).put("pool_size", 8))
        .put("redis", new JsonObject().put("url", TestStores.redisUrl()).put("key_prefix", redisPrefix))
        .put("jwt", new JsonObject().put("secret", JWT_SECRET))
        .put("api", new JsonObject().put("key", API_KEY))
        .mergeIn(overrides, true);
    server = await(ConfigLoader.load(vertx, config)
        .compose(c -> vertxMetrics ? LockstepServer.start(runtime, c) : LockstepServer.start(vertx, c)));
  }

  /** Stops the node (closing its connections) and starts it again on the same database and port. */
  public void restart() {
    await(server.close());
    start();
  }

  public LockstepServer server() {
    return server;
  }

  public Vertx vertx() {
    return vertx;
  }

  public int port() {
    return port;
  }

  public String token(String userId) {
    return server.auth().mint(userId, 3600);
  }

  /** A new unconnected client device; closed after the class. */
  public TestDevice device(String userId) {
    return device(userId, Transport.WEBSOCKET);
  }

  public TestDevice device(String userId, Transport transport) {
    return deviceWithToken(token(userId), transport);
  }

  /** A device that presents a token minted elsewhere (another key, an expired one, garbage). */
  public TestDevice deviceWithToken(String token, Transport transport) {
    TestDevice device = new TestDevice(vertx, port, token, transport);
    devices.add(device);
    return device;
  }

  /** Creates a group through the server API and answers its id. */
  public String group(String... members) {
    JsonObject body = new JsonObject().put("kind", "group").put("members", new io.vertx.core.json.JsonArray(List.of(members)));
    HttpResponse<Buffer> response = request(HttpMethod.POST, "/v1/server/conversations", API_KEY, body);
    if (response.statusCode() != 201) {
      throw new AssertionError("group creation failed: " + response.bodyAsString());
    }
    return response.bodyAsJsonObject().getJsonObject("conversation").getString("conversation_id");
  }

  public HttpResponse<Buffer> request(HttpMethod method, String path, String bearer, JsonObject body) {
    var request = http.request(method, path);
    if (bearer != null) {
      request.bearerTokenAuthentication(bearer);
    }
    return await(body == null ? request.send() : request.sendJsonObject(body));
  }

  public RowSet<Row> sql(String sql, Object... args) {
    return await(server.pool().preparedQuery(sql).execute(Tuple.wrap(args)));
  }

  public List<String> redisKeys(String pattern) {
    Response keys = await(redis.send(Request.cmd(Command.KEYS).arg(redisPrefix + pattern)));
    List<String> result = new ArrayList<>();
    keys.forEach(key -> result.add(key.toString()));
    return result;
  }

  public String redisPrefix() {
    return redisPrefix;
  }

  /**
   * Overrides that switch off the frame and send rate limits, for tests that write thousands of
   * messages from one device as fast as they can (the limits have tests of their own).
   */
  public static JsonObject unlimitedSends() {
    JsonObject off = new JsonObject().put("tokens", 0);
    JsonObject perScope = new JsonObject().put("connection", off).put("user", off);
    return new JsonObject().put("limits", new JsonObject().put("frames", perScope).put("sends", perScope.copy()));
  }

  public static <T> T await(Future<T> future) {
    try {
      return future.toCompletionStage().toCompletableFuture().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException("awaited operation failed: " + e.getMessage(), e);
    }
  }
}
