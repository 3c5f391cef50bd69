package io.lockstep.config;

import io.lockstep.plugin.ConfigTree;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * The whole server configuration, parsed once from the merged YAML and environment into typed
 * records. Verticles receive the record they need and never read raw JSON.
 */
public record LockstepConfig(
    Mode mode,
    String nodeId,
    HttpConfig http,
    PostgresConfig pg,
    RedisConfig redis,
    EmbeddedConfig embedded,
    JwtConfig jwt,
    String apiKey,
    SessionConfig session,
    ConversationsConfig conversations,
    DevicesConfig devices,
    RetentionConfig retention,
    Duration presenceTtl,
    PluginsConfig plugins,
    SettingsConfig settings,
    ClusterConfig cluster,
    AdminConfig admin,
    String metricsPath,
    PushConfig push,
    LimitsConfig limits) {

  /**
   * Group sizes: the largest group, and the size above which a conversation is a stream (its messages
   * written once and read by its members' devices, instead of copied into every member's log).
   */
  public record ConversationsConfig(int maxGroupMembers, int streamThreshold) {
  }

  /**
   * The device lifecycle: a device without a hello for maxIdle is revoked (zero: never); an unlink
   * after drain waits at most drainTimeout; sweepInterval is how often each node looks for both.
   */
  public record DevicesConfig(Duration maxIdle, Duration drainTimeout, Duration sweepInterval) {
  }

  /** dev mints tokens and generates secrets; production requires them. */
  public enum Mode { DEV, PRODUCTION }

  /**
   * Where clients connect. forwarded: which proxy headers give a client's address (for the per-address
   * limits); NONE unless every request passes a proxy that overwrites them.
   */
  public record HttpConfig(String host, int port, int instances, Forwarded forwarded) {
    /** Listening on a loopback address only (the dev-mode default). */
    public boolean loopbackOnly() {
      return host.equals("127.0.0.1") || host.equals("::1") || host.equals("localhost");
    }
  }

  /** Trusted proxy headers for a client's address: none, X-Forwarded-For, or RFC 7239 Forwarded. */
  public enum Forwarded { NONE, X_FORWARDED, FORWARDED }

  /** An empty url means: start the embedded PostgreSQL. */
  public record PostgresConfig(String url, int poolSize) {
    public boolean embedded() {
      return url.isBlank();
    }
  }

  /** An empty url means: start the embedded Redis. */
  public record RedisConfig(String url, String keyPrefix, int poolSize) {
    public boolean embedded() {
      return url.isBlank();
    }
  }

  /** Port 0 picks a free port. */
  public record EmbeddedConfig(String dataDir, int pgPort, int redisPort) {}

  public record JwtConfig(String secret, String publicKey, String algorithm, int leewaySeconds) {}

  /**
   * One client connection: heartbeat, frame size, catch-up paging, how long it may take to say hello,
   * whether WebSocket messages may be compressed, and what a second socket of one device does.
   */
  public record SessionConfig(int heartbeatMs, int maxFrameBytes, int catchUpPage, int snapshotLastMessages,
                              Duration helloTimeout, boolean compression, PerDevice perDevice) {}

  /**
   * Several sockets of one device: ALLOW keeps them all (the device is online until the last one
   * closes); REPLACE closes the older ones with 4009 when a newer one says hello.
   */
  public enum PerDevice { ALLOW, REPLACE }

  /** Where plugin jars are, which must load, and each plugin's configuration section (by plugin id). */
  public record PluginsConfig(String dir, List<String> required, JsonObject config) {}

  /** Clustered mode: Hazelcast membership over TCP-IP and the event bus between nodes. */
  public record ClusterConfig(boolean enabled, String host, int port, int eventBusPort, List<String> members,
                              String name, String configFile) {}

  /**
   * The console's sign-in (also the metrics endpoint's HTTP Basic credentials), how long a signed-in
   * session lasts idle, how many sessions of visitors who have not signed in a node keeps, and where
   * the console, its API and the metrics are served: on the client port (port 0) or on host:port; and
   * the console's history and warning thresholds.
   */
  public record AdminConfig(String username, String password, Duration sessionTimeout, int maxAnonymousSessions,
                            String host, int port, ConsoleConfig console) {
    /** Served by a server of their own on host:port rather than beside the clients' endpoints. */
    public boolean ownPort() {
      return port > 0;
    }

    AdminConfig withPassword(String newPassword) {
      return new AdminConfig(username, newPassword, sessionTimeout, maxAnonymousSessions, host, port, console);
    }
  }

  /** The settings key registry and the clock skew allowed to clients. */
  public record SettingsConfig(Duration maxClockSkew, List<SettingKey> keys) {}

  /** What a notification may show: the sender and the text, the sender only, or neither. */
  public enum Preview { TEXT, SENDER, NONE }

  /** Whom a message is pushed to: the attention ladder, or every device that is not connected at once. */
  public enum Routing {
    LADDER, ALL;

    /** The routing a user's notifications.routing setting names, if it names one. */
    public static Optional<Routing> named(Object value) {
      return value instanceof String name && (name.equals("ladder") || name.equals("all"))
          ? Optional.of(valueOf(name.toUpperCase(Locale.ROOT))) : Optional.empty();
    }
  }

  /**
   * Notifications: what they show, how long a burst is folded into one push, and how the outbox
   * retries (exponential backoff from backoffBase to backoffMax with jitter, dead after maxAttempts).
   */
  public record PushConfig(Preview preview, int previewLength, String genericText, Duration coalesceWindow,
                           int maxAttempts, Duration backoffBase, Duration backoffMax, Duration sendTimeout,
                           Duration lease, Duration pollInterval, int batch, Duration deadLetterRetention,
                           Routing routing, Duration escalateAfter, Duration tokenMaxAge) {}

  /** Zero for either limit switches it off. */
  public record RetentionConfig(long maxEvents, Duration maxAge, Duration pruneInterval) {}

  public boolean devMode() {
    return mode == Mode.DEV;
  }

  /** Reads the merged configuration tree; a missing or malformed value fails with its key named. */
  public static LockstepConfig from(JsonObject json) {
    ConfigTree root = new ConfigTree(json, "");
    ConfigTree http = root.section("http");
    ConfigTree pg = root.section("pg");
    ConfigTree redis = root.section("redis");
    ConfigTree jwt = root.section("jwt");
    ConfigTree session = root.section("session");
    ConfigTree retention = root.section("retention");
    Mode mode = root.enumValue("mode", Mode.class);
    String host = http.string("host").isBlank() ? (mode == Mode.DEV ? "127.0.0.1" : "0.0.0.0") : http.string("host");
    return new LockstepConfig(
        mode,
        root.string("node_id"),
        new HttpConfig(host, http.integer("port"), http.integer("instances"),
            http.enumValue("forwarded", Forwarded.class)),
        new PostgresConfig(pg.string("url"), pg.integer("pool_size")),
        new RedisConfig(redis.string("url"), redis.string("key_prefix"), redis.integer("pool_size")),
        embedded(root.section("embedded")),
        new JwtConfig(jwt.string("secret"), jwt.string("public_key"), jwt.string("algorithm"), jwt.integer("leeway_seconds")),
        root.section("api").string("key"),
        new SessionConfig(session.integer("heartbeat_ms"), session.integer("max_frame_bytes"),
            session.integer("catch_up_page"), session.integer("snapshot_last_messages"),
            session.duration("hello_timeout"), session.bool("compression"),
            session.enumValue("per_device", PerDevice.class)),
        new ConversationsConfig(root.section("conversations").integer("max_group_members"),
            root.section("conversations").integer("stream_threshold")),
        devices(root.section("devices")),
        new RetentionConfig(retention.longValue("max_events"), retention.duration("max_age"),
            retention.duration("prune_interval")),
        root.section("presence").duration("ttl"),
        plugins(root.section("plugins")),
        settings(root.section("settings")),
        cluster(root.section("cluster")),
        admin(root.section("admin"), host, http.integer("port")),
        root.section("metrics").string("path"),
        push(root.section("push")),
        LimitsConfig.from(root.section("limits")));
  }

  private static DevicesConfig devices(ConfigTree devices) {
    DevicesConfig config = new DevicesConfig(devices.duration("max_idle"), devices.duration("drain_timeout"),
        devices.duration("sweep_interval"));
    if (config.sweepInterval().isZero() || config.drainTimeout().isZero()) {
      throw devices.invalid(config.sweepInterval().isZero() ? "sweep_interval" : "drain_timeout", "must be above zero");
    }
    return config;
  }

  private static PushConfig push(ConfigTree push) {
    PushConfig config = new PushConfig(push.enumValue("preview", Preview.class), push.integer("preview_length"),
        push.string("generic_text"), push.duration("coalesce_window"), push.integer("max_attempts"),
        push.duration("backoff_base"), push.duration("backoff_max"), push.duration("send_timeout"),
        push.duration("lease"), push.duration("poll_interval"), push.integer("batch"),
        push.duration("dead_letter_retention"), push.enumValue("routing", Routing.class), push.duration("escalate_after"),
        push.duration("token_max_age"));
    if (config.maxAttempts() < 1) {
      throw push.invalid("max_attempts", "must be at least 1");
    }
    if (config.previewLength() < 1) {
      throw push.invalid("preview_length", "must be at least 1");
    }
    if (config.batch() < 1) {
      throw push.invalid("batch", "must be at least 1");
    }
    if (config.pollInterval().isZero() || config.backoffBase().isZero()) {
      throw push.invalid(config.pollInterval().isZero() ? "poll_interval" : "backoff_base", "must be above zero");
    }
    if (config.escalateAfter().isZero()) {
      throw push.invalid("escalate_after", "must be above zero");
    }
    if (config.lease().compareTo(config.sendTimeout()) <= 0) {
      throw push.invalid("lease", "must be longer than send_timeout, or a push could be sent twice at once");
    }
    return config;
  }

  private static AdminConfig admin(ConfigTree admin, String httpHost, int httpPort) {
    int port = admin.integer("port");
    if (port < 0 || port > 65535) {
      throw admin.invalid("port", "must be a port number, or 0 to serve the console and metrics on the client port");
    }
    if (port > 0 && port == httpPort) {
      throw admin.invalid("port", "must differ from http.port (0 serves the console and metrics on the client port)");
    }
    String host = admin.string("host").isBlank() ? httpHost : admin.string("host");
    return new AdminConfig(admin.string("username"), admin.string("password"), admin.duration("session_timeout"),
        admin.integer("max_anonymous_sessions"), host, port, ConsoleConfig.from(admin));
  }

  private static ClusterConfig cluster(ConfigTree cluster) {
    List<String> members = new ArrayList<>();
    cluster.list("members").forEach(member -> members.add(String.valueOf(member)));
    return new ClusterConfig(cluster.bool("enabled"), cluster.string("host"), cluster.integer("port"),
        cluster.integer("event_bus_port"), List.copyOf(members), cluster.string("name"), cluster.string("config_file"));
  }

  private static EmbeddedConfig embedded(ConfigTree embedded) {
    return new EmbeddedConfig(embedded.string("data_dir"), embedded.integer("pg_port"), embedded.integer("redis_port"));
  }

  private static PluginsConfig plugins(ConfigTree plugins) {
    List<String> required = new ArrayList<>();
    plugins.list("required").forEach(id -> required.add(String.valueOf(id)));
    return new PluginsConfig(plugins.string("dir"), List.copyOf(required), plugins.object("config"));
  }

  private static SettingsConfig settings(ConfigTree settings) {
    List<SettingKey> keys = new ArrayList<>();
    JsonArray entries = settings.list("keys");
    for (int i = 0; i < entries.size(); i++) {
      if (!(entries.getValue(i) instanceof JsonObject entry)) {
        throw settings.invalid("keys", "entry " + i + " must be a section {pattern, scopes, policy, default}");
      }
      Set<SettingKey.Scope> scopes = EnumSet.noneOf(SettingKey.Scope.class);
      for (Object scope : entry.getJsonArray("scopes", new JsonArray())) {
        try {
          scopes.add(SettingKey.Scope.valueOf(String.valueOf(scope).toUpperCase(Locale.ROOT)));
        } catch (IllegalArgumentException e) {
          throw settings.invalid("keys", "entry " + i + " has an unknown scope '" + scope + "' (account or device)");
        }
      }
      try {
        keys.add(new SettingKey(entry.getString("pattern", ""), scopes, entry.getString("policy", "lww"),
            entry.getValue("default")));
      } catch (IllegalArgumentException e) {
        throw settings.invalid("keys", e.getMessage());
      }
    }
    return new SettingsConfig(settings.duration("max_clock_skew"), List.copyOf(keys));
  }

  /** Copy with other generated secrets, used when dev mode fills in what was left empty. */
  public LockstepConfig withSecrets(String jwtSecret, String apiKey, String adminPassword) {
    return new LockstepConfig(mode, nodeId, http, pg, redis, embedded,
        new JwtConfig(jwtSecret, jwt.publicKey(), jwt.algorithm(), jwt.leewaySeconds()),
        apiKey, session, conversations, devices, retention, presenceTtl, plugins, settings, cluster,
        admin.withPassword(adminPassword),
        metricsPath, push, limits);
  }

  public LockstepConfig withNodeId(String id) {
    return new LockstepConfig(mode, id, http, pg, redis, embedded, jwt, apiKey, session, conversations,
        devices, retention, presenceTtl, plugins, settings, cluster, admin, metricsPath, push, limits);
  }

  public LockstepConfig withStores(PostgresConfig pgConfig, RedisConfig redisConfig) {
    return new LockstepConfig(mode, nodeId, http, pgConfig, redisConfig, embedded, jwt, apiKey, session,
        conversations, devices, retention, presenceTtl, plugins, settings, cluster, admin, metricsPath, push, limits);
  }
}
