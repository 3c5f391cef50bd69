package io.lockstep;

import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.map.IMap;
import io.lockstep.admin.AdminRoutes;
import io.lockstep.api.HttpRoutes;
import io.lockstep.ops.BuildInfo;
import io.lockstep.ops.EventLoopLag;
import io.lockstep.ops.NodeStats;
import io.micrometer.core.instrument.Meter;
import io.lockstep.auth.TokenAuth;
import io.lockstep.ops.HealthRoutes;
import io.lockstep.ops.MetricsRoutes;
import io.lockstep.ops.OpsHttpVerticle;
import io.lockstep.ops.Readiness;
import io.lockstep.playground.PlaygroundRoutes;
import io.lockstep.cluster.NodeRuntime;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import io.lockstep.config.LockstepConfig;
import io.lockstep.config.LockstepConfig.PostgresConfig;
import io.lockstep.config.LockstepConfig.RedisConfig;
import io.lockstep.connection.ConnectionVerticle;
import io.lockstep.embedded.EmbeddedServices;
import io.lockstep.embedded.EmbeddedServices.EmbeddedRedis;
import io.lockstep.limits.RateLimits;
import io.lockstep.limits.SignInGuard;
import io.lockstep.metrics.LockstepMetrics;
import io.lockstep.presence.PresenceRegistry;
import io.lockstep.notify.NotificationVerticle;
import io.lockstep.notify.PushOutboxVerticle;
import io.lockstep.notify.PushTokenVerticle;
import io.lockstep.readstate.ReadStateVerticle;
import io.lockstep.bus.LocalCodec;
import io.lockstep.bus.Operation;
import io.lockstep.bus.PluginCalls.PluginList;
import io.lockstep.config.SettingKey;
import io.lockstep.plugin.Contract;
import io.lockstep.plugin.PluginHost;
import io.lockstep.settings.HybridClock;
import io.lockstep.settings.SettingsVerticle;
import io.vertx.core.eventbus.MessageConsumer;
import io.lockstep.store.Migrations;
import io.lockstep.store.PostgresTarget;
import io.lockstep.sync.RetentionVerticle;
import io.lockstep.store.LogStore;
import io.lockstep.sync.ConversationsVerticle;
import io.lockstep.sync.DeviceSweepVerticle;
import io.lockstep.sync.DevicesVerticle;
import io.lockstep.sync.SendLanes;
import io.lockstep.sync.SyncVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgBuilder;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * One Lockstep node: starts the embedded PostgreSQL and Redis when none is configured, migrates the
 * schema, and deploys the sync, retention and connection verticles on the given Vert.x. Always the
 * same code path: the node talks to a real PostgreSQL and a real Redis, embedded or external.
 */
public final class LockstepServer {

  private static final Logger LOG = LoggerFactory.getLogger(LockstepServer.class);
  /** The member attribute where vertx-hazelcast keeps a member's Vert.x node id. */
  private static final String VERTX_NODE_ID_ATTRIBUTE = "__vertx.nodeId";
  /**
   * Cluster-wide map from a member's Vert.x node id to the id its connections are registered under in
   * Redis (they differ when node_id is configured), so that the survivors purge the right ones.
   */
  private static final String NODE_IDS_MAP = "lockstep.node-ids";
  private static final int UNDEPLOY_SECONDS = 10;

  private final Vertx vertx;
  private final NodeRuntime runtime;
  private final LockstepConfig config;
  private final EmbeddedPostgres embeddedPostgres;
  private final EmbeddedRedis embeddedRedis;
  private final Pool pool;
  private final Redis redis;
  private final TokenAuth auth;
  private final LockstepMetrics metrics;
  private final RateLimits limits;
  private final HybridClock clock;
  private final PluginHost plugins;
  private final List<String> deployments = new ArrayList<>();
  private final PresenceRegistry presence;
  /** What the client port serves, and what the operators' own port serves (nothing when it shares the client port). */
  private final List<HttpRoutes> clientRoutes;
  private final List<HttpRoutes> opsRoutes;
  private final NodeStats nodeStats;
  private final EventLoopLag loopLag;
  /** This node's meters outside LockstepMetrics (version, event-loop lag), removed when it closes. */
  private final List<Meter> nodeMeters;
  private MessageConsumer<Object> pluginList;
  private HazelcastClusterManager clusterManager;
  private UUID membershipListener;
  private IMap<String, String> nodeIds;

  private LockstepServer(NodeRuntime runtime, LockstepConfig config, EmbeddedPostgres embeddedPostgres,
                         EmbeddedRedis embeddedRedis, String schemaVersion) {
    this.vertx = runtime.vertx();
    this.runtime = runtime;
    this.config = config;
    this.embeddedPostgres = embeddedPostgres;
    this.embeddedRedis = embeddedRedis;
    this.metrics = new LockstepMetrics(runtime.registry());
    this.limits = new RateLimits(config.limits(), metrics);
    this.pool = PgBuilder.pool()
        .with(new PoolOptions().setMaxSize(config.pg().poolSize()))
        .connectingTo(PostgresTarget.parse(config.pg().url()).connectOptions())
        .using(vertx)
        .build();
    this.redis = Redis.createClient(vertx, new RedisOptions()
        .setConnectionString(config.redis().url())
        .setMaxPoolSize(config.redis().poolSize())
        .setMaxPoolWaiting(4096)
        .setMaxWaitingHandlers(65536));
    this.auth = new TokenAuth(vertx, config.jwt());
    this.clock = new HybridClock(config.settings().maxClockSkew());
    this.plugins = new PluginHost(vertx, config.plugins(), config.nodeId());
    this.presence = new PresenceRegistry(redis, config.redis().keyPrefix(), config.nodeId(), config.presenceTtl(),
        metrics);
    SignInGuard signIn = new SignInGuard(limits);
    HttpRoutes health = new HealthRoutes(Readiness.checks(vertx, pool, redis, runtime, schemaVersion));
    HttpRoutes metricsRoutes = new MetricsRoutes(runtime.registry(), config.admin(), config.metricsPath(), signIn);
    HttpRoutes console = new AdminRoutes(config, pool, presence, runtime.clustered(), signIn);
    HttpRoutes playground = new PlaygroundRoutes(config.devMode());
    if (config.admin().ownPort()) {
      this.clientRoutes = List.of(health, playground);
      this.opsRoutes = List.of(health, metricsRoutes, console);
    } else {
      this.clientRoutes = List.of(health, metricsRoutes, console, playground);
      this.opsRoutes = List.of();
    }
    this.loopLag = new EventLoopLag(config.admin().console().sampleInterval().toMillis());
    this.nodeMeters = List.of(BuildInfo.register(runtime.registry()), loopLag.register(runtime.registry()));
    this.nodeStats = new NodeStats(vertx, presence, metrics, loopLag, config.nodeId(), config.admin().console());
  }

  /** Starts a single node on the given Vert.x; the future fails with one sentence saying what is missing. */
  public static Future<LockstepServer> start(Vertx vertx, LockstepConfig requested) {
    return start(NodeRuntime.of(vertx), requested);
  }

  /**
   * Starts a node on its runtime. In clustered mode the node id defaults to the Vert.x node id,
   * and the node removes a departed member's presence from Redis as soon as the cluster notices.
   */
  public static Future<LockstepServer> start(NodeRuntime runtime, LockstepConfig requested) {
    String defaultId = runtime.clustered() ? runtime.memberId() : UUID.randomUUID().toString().substring(0, 8);
    LockstepConfig named = requested.nodeId().isBlank() ? requested.withNodeId(defaultId) : requested;
    Vertx vertx = runtime.vertx();
    return vertx.executeBlocking(() -> prepare(named, runtime))
        .compose(prepared -> prepared.server().deploy())
        .onSuccess(server -> server.watchMembers(runtime));
  }

  private void watchMembers(NodeRuntime runtime) {
    if (!runtime.clustered()) {
      return;
    }
    membershipListener = runtime.clusterManager().getHazelcastInstance().getCluster()
        .addMembershipListener(new MembershipListener() {
          @Override
          public void memberAdded(MembershipEvent event) {
            LOG.info("cluster member {} joined", event.getMember().getUuid());
          }

          @Override
          public void memberRemoved(MembershipEvent event) {
            String vertxNodeId = event.getMember().getAttribute(VERTX_NODE_ID_ATTRIBUTE);
            if (vertxNodeId == null) {
              LOG.warn("cluster member {} left without a Vert.x node id; its presence expires with the TTL",
                  event.getMember().getUuid());
              return;
            }
            nodeIds.removeAsync(vertxNodeId).thenAccept(registered -> {
              String departed = registered != null ? registered : vertxNodeId;
              presence.purgeNode(departed)
                  .onSuccess(count -> LOG.info("cluster member {} left; removed the presence of its {} connections",
                      departed, count))
                  .onFailure(failure -> LOG.warn("cluster member {} left; its presence expires with the TTL ({})",
                      departed, failure.getMessage()));
            });
          }
        });
    clusterManager = runtime.clusterManager();
    nodeIds = runtime.clusterManager().getHazelcastInstance().getMap(NODE_IDS_MAP);
    nodeIds.putAsync(runtime.memberId(), config.nodeId());
  }

  private record Prepared(LockstepServer server) {
  }

  /** Blocking start-up work: embedded services, secrets, migrations. */
  private static Prepared prepare(LockstepConfig config, NodeRuntime runtime) {
    EmbeddedPostgres postgres = null;
    EmbeddedRedis redis = null;
    try {
      Path dataDir = Path.of(config.embedded().dataDir()).toAbsolutePath();
      PostgresConfig pg = config.pg();
      if (pg.embedded()) {
        postgres = EmbeddedServices.startPostgres(dataDir.resolve("pg"), config.embedded().pgPort());
        pg = new PostgresConfig(EmbeddedServices.postgresUrl(postgres), pg.poolSize());
        LOG.info("started the embedded PostgreSQL on port {} with its data in {}", postgres.getPort(), dataDir.resolve("pg"));
      }
      RedisConfig redisConfig = config.redis();
      if (redisConfig.embedded()) {
        redis = config.embedded().redisPort() > 0
            ? EmbeddedServices.startRedis(config.embedded().redisPort()) : EmbeddedServices.startRedis();
        redisConfig = new RedisConfig(redis.url(), redisConfig.keyPrefix(), redisConfig.poolSize());
        LOG.info("started the embedded Redis on port {}", redis.port());
      }
      LockstepConfig resolved = withSecrets(config.withStores(pg, redisConfig), dataDir);
      PostgresTarget target = PostgresTarget.parse(resolved.pg().url());
      String schemaVersion;
      try {
        schemaVersion = Migrations.migrate(target.jdbcUrl(), target.user(), target.password());
      } catch (RuntimeException e) {
        throw new IllegalStateException("PostgreSQL at " + target.host() + ":" + target.port() + "/" + target.database()
            + " could not be migrated (" + e.getMessage() + "); check LOCKSTEP_PG_URL", e);
      }
      return new Prepared(new LockstepServer(runtime, resolved, postgres, redis, schemaVersion));
    } catch (RuntimeException e) {
      stopQuietly(postgres, redis);
      throw e;
    }
  }

  /**
   * In dev mode, an empty JWT secret or API key is generated once and kept in the data folder, so
   * tokens survive restarts. In production both must be configured.
   */
  private static LockstepConfig withSecrets(LockstepConfig config, Path dataDir) {
    boolean needsSecret = config.jwt().algorithm().equalsIgnoreCase("HS256") && config.jwt().secret().isBlank();
    if (!config.devMode()) {
      if (needsSecret) {
        throw new IllegalStateException("production mode needs LOCKSTEP_JWT_SECRET (or jwt.public_key with RS256/ES256)");
      }
      if (config.apiKey().isBlank()) {
        throw new IllegalStateException("production mode needs LOCKSTEP_API_KEY for the server API");
      }
      if (config.admin().password().isBlank()) {
        throw new IllegalStateException("production mode needs LOCKSTEP_ADMIN_PASSWORD for the console and /metrics");
      }
      return config;
    }
    String secret = needsSecret ? generated(dataDir.resolve("dev-jwt-secret")) : config.jwt().secret();
    String apiKey = config.apiKey().isBlank() ? generated(dataDir.resolve("dev-api-key")) : config.apiKey();
    String adminPassword = config.admin().password().isBlank()
        ? generated(dataDir.resolve("dev-admin-password")) : config.admin().password();
    return config.withSecrets(secret, apiKey, adminPassword);
  }

  private static String generated(Path file) {
    try {
      if (Files.exists(file)) {
        return Files.readString(file, StandardCharsets.UTF_8).trim();
      }
      byte[] bytes = new byte[32];
      new SecureRandom().nextBytes(bytes);
      String value = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
      Files.createDirectories(file.getParent());
      Files.writeString(file, value, StandardCharsets.UTF_8);
      return value;
    } catch (IOException e) {
      throw new IllegalStateException("could not keep a generated dev secret in " + file + ": " + e.getMessage(), e);
    }
  }

  private Future<LockstepServer> deploy() {
    int cores = Runtime.getRuntime().availableProcessors();
    int httpInstances = config.http().instances() > 0 ? config.http().instances() : cores;
    LocalCodec.register(vertx);
    SendLanes sendLanes = new SendLanes(vertx, new LogStore(pool), metrics);
    return checkStores()
        .compose(v -> deploy(() -> new SyncVerticle(config, pool, sendLanes, presence, metrics), cores))
        .compose(v -> deploy(() -> new DevicesVerticle(pool, config.devices().drainTimeout(), presence, metrics), cores))
        .compose(v -> deploy(() -> new DeviceSweepVerticle(config.devices(), config.push().tokenMaxAge(), pool, presence,
            metrics), 1))
        .compose(v -> deploy(() -> new ConversationsVerticle(config, pool, presence, metrics), cores))
        .compose(v -> deploy(() -> new ReadStateVerticle(pool, presence, metrics), cores))
        .compose(v -> deploy(() -> new SettingsVerticle(config.settings(), pool, presence, metrics, clock), cores))
        .compose(v -> deploy(() -> new RetentionVerticle(config.retention(), pool, metrics), 1))
        .compose(v -> startPlugins())
        .compose(v -> deployNotifications(cores))
        .compose(v -> deploy(() -> new ConnectionVerticle(config, pool, presence, auth, limits, metrics, clientRoutes),
            httpInstances))
        .compose(v -> opsRoutes.isEmpty() ? Future.<Void>succeededFuture()
            : deploy(() -> new OpsHttpVerticle(config.admin(), opsRoutes), 1))
        .compose(v -> {
          loopLag.start(vertx);
          return nodeStats.start();
        })
        .map(v -> this)
        .recover(failure -> close().transform(closed -> Future.failedFuture(failure)));
  }

  /** Loads the plugins and answers lockstep.plugins.list; warns about keys whose policy no plugin serves. */
  private Future<Void> startPlugins() {
    return plugins.start().compose(v -> {
      Set<String> policies = plugins.running(Contract.CONFLICT_POLICY);
      config.settings().keys().stream().filter(key -> key.allows(SettingKey.Scope.ACCOUNT))
          .filter(key -> !policies.contains(key.policy()))
          .forEach(key -> LOG.warn("settings key {} uses conflict policy '{}', which no loaded plugin serves; "
              + "account writes to it will fail", key.pattern(), key.policy()));
      pluginList = vertx.eventBus().localConsumer(Operation.LIST_PLUGINS.address(),
          message -> message.reply(new PluginList(plugins.toJson())));
      return pluginList.completion();
    });
  }

  /**
   * Push tokens are always answered (a registration names the providers there are); the notification
   * and outbox verticles run only when some plugin serves a push provider, so a node without one
   * spends nothing on notifications.
   */
  private Future<Void> deployNotifications(int cores) {
    Set<String> providers = plugins.running(Contract.PUSH_PROVIDER);
    Future<Void> tokens = deploy(() -> new PushTokenVerticle(pool, plugins.services(Contract.PUSH_PROVIDER), metrics),
        cores);
    if (providers.isEmpty()) {
      LOG.info("no push provider is configured: notifications are off");
      return tokens;
    }
    return tokens
        .compose(v -> deploy(() -> new NotificationVerticle(config.push(), config.settings().keys(), pool, presence,
            metrics), 1))
        .compose(v -> deploy(() -> new PushOutboxVerticle(config.push(), providers, pool, presence, metrics), 1));
  }

  private Future<Void> checkStores() {
    Future<Void> postgres = pool.query("SELECT 1").execute().<Void>mapEmpty()
        .recover(failure -> Future.failedFuture(new IllegalStateException(
            "PostgreSQL does not answer (" + failure.getMessage() + "); check LOCKSTEP_PG_URL", failure)));
    Future<Void> redisPing = redis.send(Request.cmd(Command.PING)).<Void>mapEmpty()
        .recover(failure -> Future.failedFuture(new IllegalStateException(
            "Redis does not answer (" + failure.getMessage() + "); check LOCKSTEP_REDIS_URL", failure)));
    return Future.all(postgres, redisPing).mapEmpty();
  }

  private Future<Void> deploy(java.util.function.Supplier<io.vertx.core.Deployable> verticle, int instances) {
    return vertx.deployVerticle(verticle, new DeploymentOptions().setInstances(instances))
        .onSuccess(deployments::add)
        .mapEmpty();
  }

  /** Undeploys the verticles (closing every connection), then releases the stores and embedded services. */
  public Future<Void> close() {
    loopLag.stop();
    nodeMeters.forEach(runtime.registry()::remove);
    if (membershipListener != null && clusterManager.isActive()) {
      clusterManager.getHazelcastInstance().getCluster().removeMembershipListener(membershipListener);
      membershipListener = null;
    }
    List<String> ids = new ArrayList<>(deployments);
    deployments.clear();
    Future<Void> undeployed = nodeStats.stop().recover(failure -> Future.succeededFuture());
    for (int i = ids.size() - 1; i >= 0; i--) {
      String id = ids.get(i);
      undeployed = undeployed.compose(v -> vertx.undeploy(id)
          .timeout(UNDEPLOY_SECONDS, TimeUnit.SECONDS)
          .recover(failure -> {
            LOG.warn("verticle deployment {} did not stop cleanly: {}", id, failure.getMessage());
            return Future.succeededFuture();
          }));
    }
    if (pluginList != null) {
      undeployed = undeployed.compose(v -> pluginList.unregister());
    }
    return undeployed
        .compose(v -> plugins.stop())
        .onComplete(v -> metrics.close())
        .compose(v -> pool.close().timeout(UNDEPLOY_SECONDS, TimeUnit.SECONDS).recover(failure -> {
          LOG.warn("the PostgreSQL pool did not close cleanly: {}", failure.getMessage());
          return Future.succeededFuture();
        }))
        .onComplete(v -> redis.close())
        .compose(v -> vertx.<Void>executeBlocking(() -> {
          stopQuietly(embeddedPostgres, embeddedRedis);
          return null;
        }));
  }

  private static void stopQuietly(EmbeddedPostgres postgres, EmbeddedRedis redis) {
    try {
      if (redis != null) {
        redis.stop();
      }
      if (postgres != null) {
        postgres.close();
      }
    } catch (IOException | RuntimeException e) {
      LOG.warn("an embedded service did not stop cleanly: {}", e.getMessage());
    }
  }

  public LockstepConfig config() {
    return config;
  }

  public TokenAuth auth() {
    return auth;
  }

  public LockstepMetrics metrics() {
    return metrics;
  }

  public Pool pool() {
    return pool;
  }

  public PluginHost plugins() {
    return plugins;
  }

  public String nodeId() {
    return config.nodeId();
  }
}
