package io.lockstep.testkit;

import io.lockstep.LockstepServer;
import io.lockstep.config.ConfigLoader;
import io.vertx.config.ConfigRetriever;
import io.vertx.config.ConfigRetrieverOptions;
import io.vertx.config.ConfigStoreOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.Message;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real Lockstep node for one test class, as a JUnit 5 extension: the server itself, in the test's
 * JVM, on a database and a Redis key prefix of its own (see {@link TestServices}), on a free port of
 * 127.0.0.1, in dev mode with fixed secrets. Plugins on the test class path load as built-in plugins
 * do; {@link #pluginJars(Path...)} loads jars from a plugins directory instead, as an operator deploys
 * them. Configure it where it is declared, before it starts:
 *
 * <pre>{@code
 * @RegisterExtension
 * static final LockstepTestNode NODE = new LockstepTestNode()
 *     .requirePlugins("my-plugin")
 *     .pluginConfig("my-plugin", new JsonObject().put("url", RELAY.url("/push")))
 *     .accountSetting("profile.card", "field-merge", new JsonObject());
 * }</pre>
 *
 * <p>Besides the server's defaults ({@code conf/lockstep.yaml}), the node pushes without delay:
 * {@code push.coalesce_window} 100ms, {@code push.poll_interval} 100ms, {@code push.backoff_base}
 * 100ms and {@code push.backoff_max} 1s. {@link #config(JsonObject)} overrides anything. After the
 * class the node stops, and its devices, database, Redis keys and plugins directory are removed.
 */
public final class LockstepTestNode implements BeforeAllCallback, AfterAllCallback {

  /** The bearer key of the node's server API ({@code /v1/server/...}). */
  public static final String API_KEY = "testkit-api-key";
  /** The HS256 secret the node's client tokens are signed with. */
  public static final String JWT_SECRET = "testkit-secret-testkit-secret-0123456789";
  /** The system property naming the plugin's built jar, which lockstep-plugin-parent sets for *IT tests. */
  public static final String PLUGIN_JAR_PROPERTY = "lockstep.plugin.jar";

  private static final Duration TIMEOUT = Duration.ofSeconds(60);

  private final JsonObject overrides = new JsonObject();
  private final JsonObject pluginSections = new JsonObject();
  private final JsonArray requiredPlugins = new JsonArray();
  private final JsonArray addedKeys = new JsonArray();
  private final List<Path> jars = new ArrayList<>();
  private final List<TestDevice> devices = new ArrayList<>();
  private Vertx vertx;
  private String database;
  private String redisPrefix;
  private Path pluginsDir;
  private int port;
  private LockstepServer server;
  private WebClient http;

  /** A node with the server's defaults; configure it with the methods below before it starts. */
  public LockstepTestNode() {
  }

  /**
   * Overrides any configuration, in the shape of {@code conf/lockstep.yaml}: sections merge, other
   * values (lists too) replace. Applied last, over everything else this class sets.
   *
   * @param overrides e.g. {@code {"conversations": {"stream_threshold": 50}}}
   * @return this node
   */
  public LockstepTestNode config(JsonObject overrides) {
    this.overrides.mergeIn(overrides, true);
    return this;
  }

  /**
   * Sets a plugin's configuration section, {@code plugins.config.<pluginId>}, handed to its
   * {@code init}.
   *
   * @param pluginId the plugin's id
   * @param section its section
   * @return this node
   */
  public LockstepTestNode pluginConfig(String pluginId, JsonObject section) {
    pluginSections.put(pluginId, section);
    return this;
  }

  /**
   * Lists plugins under {@code plugins.required}: if one does not load, the node does not start and the
   * test class fails with the plugin's reason.
   *
   * @param pluginIds the plugins' ids
   * @return this node
   */
  public LockstepTestNode requirePlugins(String... pluginIds) {
    for (String id : pluginIds) {
      requiredPlugins.add(id);
    }
    return this;
  }

  /**
   * Adds an account-scoped setting key to the server's key registry ({@code settings.keys}), its writes
   * decided by a conflict policy. The default keys stay.
   *
   * @param pattern the key, {@code *} standing for one dot-free segment, e.g. {@code profile.card}
   * @param policy the conflict policy's name, e.g. one your plugin serves
   * @param defaultValue the effective value while nothing is set (any JSON value, null included)
   * @return this node
   */
  public LockstepTestNode accountSetting(String pattern, String policy, Object defaultValue) {
    addedKeys.add(new JsonObject().put("pattern", pattern).put("scopes", new JsonArray().add("account"))
        .put("policy", policy).put("default", defaultValue));
    return this;
  }

  /**
   * Loads these jars from a plugins directory ({@code plugins.dir}), each in a class loader of its own,
   * as a deployed server does. Keep the plugin's classes off the test class path then, or the copy on
   * the class path loads first and the jar's is refused as a second plugin with the same id
   * (lockstep-plugin-parent does this for *IT tests).
   *
   * @param jars plugin jars
   * @return this node
   */
  public LockstepTestNode pluginJars(Path... jars) {
    this.jars.addAll(List.of(jars));
    return this;
  }

  /**
   * The plugin jar the build just packaged, named by the system property {@value #PLUGIN_JAR_PROPERTY}
   * (lockstep-plugin-parent sets it for tests run by Failsafe, after {@code package}).
   *
   * @return the jar
   * @throws IllegalStateException when the property is not set or names no file
   */
  public static Path builtPluginJar() {
    String jar = System.getProperty(PLUGIN_JAR_PROPERTY);
    if (jar == null || !Files.isRegularFile(Path.of(jar))) {
      throw new IllegalStateException("system property " + PLUGIN_JAR_PROPERTY + " names no jar (" + jar + "): run this"
          + " test with Failsafe after package, as lockstep-plugin-parent sets up for classes named *IT");
    }
    return Path.of(jar);
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    vertx = Vertx.vertx();
    redisPrefix = TestServices.newRedisPrefix();
    port = freePort();
    try {
      database = TestServices.createDatabase();
      pluginsDir = pluginsDirectory();
      server = await(defaultSettingKeys()
          .compose(keys -> ConfigLoader.load(vertx, configuration(keys)))
          .compose(config -> LockstepServer.start(vertx, config)));
    } catch (RuntimeException e) {
      cleanUp();
      throw new IllegalStateException("the Lockstep test node did not start: " + e.getMessage(), e);
    }
    http = WebClient.create(vertx, new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(port));
  }

  @Override
  public void afterAll(ExtensionContext context) {
    devices.forEach(TestDevice::close);
    await(server.close());
    cleanUp();
  }

  /**
   * A new device of this user, not yet connected; it is closed after the class.
   *
   * @param userId the user, any id (tokens are minted for it)
   * @return the device; {@link TestDevice#connect()} it
   */
  public TestDevice device(String userId) {
    TestDevice device = TestDevice.on(vertx, port, token(userId));
    devices.add(device);
    return device;
  }

  /**
   * A client token for this user, valid for an hour.
   *
   * @param userId the user
   * @return a signed JWT
   */
  public String token(String userId) {
    return server.auth().mint(userId, 3600);
  }

  /**
   * Creates a group conversation through the server API.
   *
   * @param userIds its members
   * @return the conversation's id
   */
  public String group(String... userIds) {
    ApiResponse created = api(HttpMethod.POST, "/v1/server/conversations",
        new JsonObject().put("kind", "group").put("members", new JsonArray(List.of((Object[]) userIds))));
    if (created.status() != 201) {
      throw new AssertionError("the group was not created: " + created);
    }
    return created.body().getJsonObject("conversation").getString("conversation_id");
  }

  /**
   * Calls the server API with the node's API key.
   *
   * @param method the HTTP method
   * @param path e.g. {@code /v1/server/plugins}
   * @param body a JSON body, or null for none
   * @return the status and JSON body
   */
  public ApiResponse api(HttpMethod method, String path, JsonObject body) {
    HttpRequest<Buffer> request = http.request(method, path).bearerTokenAuthentication(API_KEY);
    HttpResponse<Buffer> response = await(body == null ? request.send() : request.sendJsonObject(body));
    JsonObject json;
    try {
      json = response.body() == null || response.body().length() == 0 ? null : response.bodyAsJsonObject();
    } catch (RuntimeException notAnObject) {
      json = null;
    }
    return new ApiResponse(response.statusCode(), json);
  }

  /**
   * What the node says about one plugin, from {@code GET /v1/server/plugins}.
   *
   * @param pluginId the plugin's id
   * @return {@code {"id", "source", "state": "running"|"failed", "error", "services": [...]}}
   * @throws AssertionError when the node lists no plugin with that id
   */
  public JsonObject plugin(String pluginId) {
    JsonArray plugins = api(HttpMethod.GET, "/v1/server/plugins", null).body().getJsonArray("plugins");
    return plugins.stream().map(JsonObject.class::cast).filter(plugin -> pluginId.equals(plugin.getString("id")))
        .findFirst().orElseThrow(() -> new AssertionError("the node lists no plugin " + pluginId + ": " + plugins));
  }

  /**
   * Sends a request on the node's event bus and waits for the reply: to ask a plugin's verticle
   * directly.
   *
   * @param address the address, e.g. {@code lockstep.conflict.my-policy}
   * @param body the request
   * @return the reply's body
   * @throws IllegalStateException when the request fails (no handler, a failed reply, a timeout)
   */
  public JsonObject request(String address, JsonObject body) {
    return await(vertx.eventBus().<JsonObject>request(address, body).map(Message::body));
  }

  /**
   * The node's Vert.x, for anything else a test needs to run on it.
   *
   * @return the Vert.x instance the node runs on
   */
  public Vertx vertx() {
    return vertx;
  }

  /**
   * The node's HTTP port on 127.0.0.1 (WebSocket, SockJS and the HTTP APIs).
   *
   * @return the port
   */
  public int port() {
    return port;
  }

  /**
   * Waits for a future on the test's thread.
   *
   * @param future the future
   * @param <T> its result's type
   * @return its result
   * @throws IllegalStateException when it fails or takes more than a minute, with the cause's message
   */
  public static <T> T await(Future<T> future) {
    try {
      return future.toCompletionStage().toCompletableFuture().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    } catch (Exception e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      throw new IllegalStateException(cause.getMessage(), cause);
    }
  }

  private JsonObject configuration(JsonArray defaultKeys) {
    JsonObject config = new JsonObject()
        .put("mode", "dev")
        .put("http", new JsonObject().put("host", "127.0.0.1").put("port", port))
        .put("pg", new JsonObject().put("url", database).put("pool_size", 4))
        .put("redis", new JsonObject().put("url", TestServices.redisUrl()).put("key_prefix", redisPrefix))
        .put("jwt", new JsonObject().put("secret", JWT_SECRET))
        .put("api", new JsonObject().put("key", API_KEY))
        .put("plugins", new JsonObject().put("dir", pluginsDir.toString()).put("required", requiredPlugins)
            .put("config", pluginSections))
        .put("settings", new JsonObject().put("keys", defaultKeys.copy().addAll(addedKeys)))
        .put("push", new JsonObject().put("coalesce_window", "100ms").put("poll_interval", "100ms")
            .put("backoff_base", "100ms").put("backoff_max", "1s"));
    return config.mergeIn(overrides, true);
  }

  /** The key registry of the server's defaults, to which {@link #accountSetting} adds. */
  private Future<JsonArray> defaultSettingKeys() {
    ConfigRetriever defaults = ConfigRetriever.create(vertx, new ConfigRetrieverOptions().setScanPeriod(-1)
        .addStore(new ConfigStoreOptions().setType("file").setFormat("yaml")
            .setConfig(new JsonObject().put("path", ConfigLoader.DEFAULTS))));
    return defaults.getConfig()
        .map(tree -> tree.getJsonObject("settings", new JsonObject()).getJsonArray("keys", new JsonArray()))
        .andThen(done -> defaults.close());
  }

  private Path pluginsDirectory() {
    try {
      Path dir = Files.createTempDirectory("lockstep-testkit-plugins");
      for (Path jar : jars) {
        Files.copy(jar, dir.resolve(jar.getFileName()));
      }
      return dir;
    } catch (IOException e) {
      throw new UncheckedIOException("could not lay out the plugins directory: " + e.getMessage(), e);
    }
  }

  private void cleanUp() {
    Redis redis = Redis.createClient(vertx, TestServices.redisUrl());
    try {
      Response keys = await(redis.send(Request.cmd(Command.KEYS).arg(redisPrefix + "*")));
      if (keys != null && keys.size() > 0) {
        Request delete = Request.cmd(Command.DEL);
        keys.forEach(key -> delete.arg(key.toString()));
        await(redis.send(delete));
      }
    } finally {
      redis.close();
      await(vertx.close());
      if (database != null) {
        TestServices.dropDatabase(database);
      }
      deleteQuietly(pluginsDir);
    }
  }

  private static void deleteQuietly(Path dir) {
    if (dir == null) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
    } catch (IOException ignored) {
      // a temporary folder the system clears in the end
    }
  }

  private static int freePort() {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
