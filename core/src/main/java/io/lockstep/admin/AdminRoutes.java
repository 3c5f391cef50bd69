package io.lockstep.admin;

import io.lockstep.api.HttpApi;
import io.lockstep.api.HttpRoutes;
import io.lockstep.bus.BusClient;
import io.lockstep.bus.Caller;
import io.lockstep.bus.DeviceCalls.DeviceList;
import io.lockstep.bus.DeviceCalls.ListDevices;
import io.lockstep.bus.PluginCalls.ListPlugins;
import io.lockstep.bus.PluginCalls.PluginList;
import io.lockstep.bus.ReadStateCalls.ConversationStates;
import io.lockstep.bus.ReadStateCalls.ListConversations;
import io.lockstep.bus.SettingsCalls.GetSettings;
import io.lockstep.bus.SettingsCalls.SettingsReply;
import io.lockstep.config.ConsoleConfig;
import io.lockstep.config.LockstepConfig;
import io.lockstep.limits.Refusal;
import io.lockstep.limits.SignInGuard;
import io.lockstep.presence.PresenceRegistry;
import io.lockstep.protocol.ErrorCode;
import io.lockstep.protocol.LockstepException;
import io.lockstep.protocol.Storable;
import io.lockstep.store.AdminStore;
import io.lockstep.store.PushStore;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.CookieSameSite;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.Session;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.CSPHandler;
import io.vertx.ext.web.handler.CSRFHandler;
import io.vertx.ext.web.handler.SessionHandler;
import io.vertx.ext.web.handler.StaticHandler;
import io.vertx.ext.web.sstore.ClusteredSessionStore;
import io.vertx.ext.web.sstore.LocalSessionStore;
import io.vertx.ext.web.sstore.SessionStore;
import io.vertx.sqlclient.Pool;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

import static io.lockstep.admin.AdminHttp.longParam;

/**
 * The operators' console at /admin: the static pages (web-admin module, uPlot from its WebJar) and
 * the admin API under /admin/api. Sign-in with the configured credentials gives an HttpOnly,
 * SameSite=Strict session cookie; every change needs the CSRF token (vertx-web's CSRFHandler:
 * cookie XSRF-TOKEN, header X-XSRF-TOKEN); every admin API but the session endpoints answers 401
 * without a session; every admin action is written to the audit log in PostgreSQL.
 */
public final class AdminRoutes implements HttpRoutes {

  private static final String ADMIN = "admin";
  private static final String UPLOT = "META-INF/resources/webjars/uplot/1.6.30/dist";
  private static final int PAGE = 50;

  private final LockstepConfig config;
  private final Pool pool;
  private final PresenceRegistry presence;
  private final boolean clustered;
  private final SignInGuard signInGuard;
  private SessionStore sessions;

  public AdminRoutes(LockstepConfig config, Pool pool, PresenceRegistry presence, boolean clustered,
                     SignInGuard signInGuard) {
    this.config = config;
    this.pool = pool;
    this.presence = presence;
    this.clustered = clustered;
    this.signInGuard = signInGuard;
  }

  @Override
  public void mount(Vertx vertx, Router router) {
    BusClient bus = new BusClient(vertx);
    SessionHandler sessionHandler = SessionHandler.create(sessionStore(vertx))
        .setSessionCookieName("lockstep_admin")
        .setCookieHttpOnlyFlag(true)
        .setCookieSameSite(CookieSameSite.STRICT)
        .setSessionTimeout(config.admin().sessionTimeout().toMillis());
    AdminHttp http = new AdminHttp(sessionHandler);
    AdminStore store = new AdminStore(pool);
    PushStore pushStore = new PushStore(pool);
    DevicePresence devicePresence = new DevicePresence(presence);
    Api api = new Api(http, bus, store, pushStore, devicePresence);
    ConsoleConfig console = config.admin().console();
    ClusterFigures figures = new ClusterFigures(http, vertx, presence, console,
        new Warnings(console.thresholds(), store, pushStore, console.sampleInterval().toMillis()), clustered,
        config.nodeId());
    DeviceActions actions = new DeviceActions(http, vertx, bus, store, presence, config.nodeId());
    LiveConnections connections = new LiveConnections(http, store, devicePresence, console.thresholds());
    router.route("/admin*").handler(CSPHandler.create()
            .setDirective("default-src", "'self'")
            .addDirective("img-src", "'self' data:")
            .addDirective("object-src", "'none'")
            .addDirective("base-uri", "'none'")
            .addDirective("form-action", "'self'")
            .addDirective("frame-ancestors", "'none'"))
        .handler(ctx -> {
          ctx.response().putHeader("Referrer-Policy", "no-referrer")
              .putHeader("X-Content-Type-Options", "nosniff")
              .putHeader("X-Frame-Options", "DENY");
          ctx.next();
        });
    router.get("/admin").handler(ctx -> {
      if (ctx.request().path().equals("/admin")) {
        ctx.redirect("/admin/");
      } else {
        ctx.next();
      }
    });
    router.route("/admin/vendor/uplot/*").handler(StaticHandler.create(UPLOT).setCachingEnabled(true));
    router.route("/admin/api/*").handler(HttpApi::refuseUnstorablePath);
    router.route("/admin/api/*")
        .handler(sessionHandler)
        .handler(BodyHandler.create().setBodyLimit(16 * 1024))
        .handler(CSRFHandler.create(vertx, csrfSecret()).setCookiePath("/admin"));
    router.get("/admin/api/session").handler(api::session);
    router.post("/admin/api/session").handler(api::signIn);
    router.delete("/admin/api/session").handler(api::signOut);
    router.route("/admin/api/*").handler(api::requireSession);
    router.get("/admin/api/overview").handler(figures::overview);
    router.get("/admin/api/history").handler(figures::history);
    router.get("/admin/api/users").handler(api::searchUsers);
    router.get("/admin/api/users/:user_id").handler(api::user);
    router.post("/admin/api/users/:user_id/devices/:device_id/revoke").handler(actions::revoke);
    router.post("/admin/api/users/:user_id/devices/:device_id/disconnect").handler(actions::disconnectDevice);
    router.post("/admin/api/users/:user_id/disconnect").handler(actions::disconnectUser);
    router.get("/admin/api/connections").handler(connections::search);
    router.get("/admin/api/conversations").handler(api::searchConversations);
    router.get("/admin/api/conversations/:conversation_id").handler(api::conversation);
    router.get("/admin/api/sync-health").handler(api::syncHealth);
    router.get("/admin/api/plugins").handler(api::plugins);
    router.get("/admin/api/push").handler(api::push);
    router.get("/admin/api/audit").handler(api::audit);
    router.route("/admin/*").handler(StaticHandler.create(ADMIN).setIndexPage("index.html"));
  }

  /** One store for every verticle instance that mounts these routes, bounding the sessions of anonymous visitors. */
  private synchronized SessionStore sessionStore(Vertx vertx) {
    if (sessions == null) {
      sessions = new AnonymousSessionLimit(clustered ? ClusteredSessionStore.create(vertx) : LocalSessionStore.create(vertx),
          AdminHttp.OPERATOR, config.admin().maxAnonymousSessions());
    }
    return sessions;
  }

  /** A secret shared by every node (the CSRF tokens are HMACs), derived from the API key. */
  private String csrfSecret() {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256")
          .digest(("lockstep-admin-csrf:" + config.apiKey()).getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The handlers, per connection verticle instance. */
  private final class Api {

    private final AdminHttp http;
    private final BusClient bus;
    private final AdminStore store;
    private final PushStore pushes;
    private final DevicePresence devicePresence;

    Api(AdminHttp http, BusClient bus, AdminStore store, PushStore pushes, DevicePresence devicePresence) {
      this.http = http;
      this.bus = bus;
      this.store = store;
      this.pushes = pushes;
      this.devicePresence = devicePresence;
    }

    /** Whether the caller is signed in; to a caller who is not, nothing else. */
    void session(RoutingContext ctx) {
      String user = ctx.session().get(AdminHttp.OPERATOR);
      http.reply(ctx, user == null ? new JsonObject().put("signed_in", false)
          : new JsonObject().put("signed_in", true).put("username", user).put("node", config.nodeId()));
    }

    /** Signs in, unless the caller's address or the user name is locked out by failed attempts (429). */
    void signIn(RoutingContext ctx) {
      JsonObject body = HttpApi.body(ctx);
      String username = body.getValue("username") instanceof String name ? name : "";
      String password = body.getValue("password") instanceof String secret ? secret : "";
      String address = ctx.request().remoteAddress() == null ? "" : ctx.request().remoteAddress().hostAddress();
      Refusal refused = signInGuard.check(address, username);
      if (refused != null) {
        http.refuse(ctx, refused.toError("this sign-in"));
        return;
      }
      boolean valid = MessageDigest.isEqual(config.admin().username().getBytes(StandardCharsets.UTF_8),
          username.getBytes(StandardCharsets.UTF_8))
          & MessageDigest.isEqual(config.admin().password().getBytes(StandardCharsets.UTF_8),
          password.getBytes(StandardCharsets.UTF_8));
      if (!valid) {
        signInGuard.failed(address, username);
        store.audit(username.isEmpty() || Storable.problem(username) != null ? "(none)" : username, "sign_in_failed",
                null, new JsonObject().put("from", address), config.nodeId())
            .onComplete(done -> http.refuse(ctx,
                new LockstepException(ErrorCode.UNAUTHORIZED, "wrong username or password")));
        return;
      }
      Session session = ctx.session();
      session.regenerateId();
      session.put(AdminHttp.OPERATOR, username);
      store.audit(username, "sign_in", null, new JsonObject().put("from", ctx.request().remoteAddress().host()),
              config.nodeId())
          .onComplete(done -> http.reply(ctx, new JsonObject().put("signed_in", true).put("username", username)));
    }

    void signOut(RoutingContext ctx) {
      String user = ctx.session().get(AdminHttp.OPERATOR);
      ctx.session().destroy();
      if (user != null) {
        store.audit(user, "sign_out", null, null, config.nodeId());
      }
      http.reply(ctx, new JsonObject().put("signed_in", false));
    }

    void requireSession(RoutingContext ctx) {
      if (ctx.session() == null || ctx.session().get(AdminHttp.OPERATOR) == null) {
        http.refuse(ctx, new LockstepException(ErrorCode.UNAUTHORIZED, "sign in to the console first"));
        return;
      }
      ctx.next();
    }

    void searchUsers(RoutingContext ctx) {
      http.respond(ctx, store.searchUsers(AdminHttp.query(ctx), PAGE)
          .map(users -> new JsonObject().put("users", users)));
    }

    /** The user's account state, conversations with read state, and devices with presence and lag. */
    void user(RoutingContext ctx) {
      String userId = ctx.pathParam("user_id");
      Caller asUser = Caller.user(userId);
      http.respond(ctx, store.user(userId).compose(user -> {
        if (user == null) {
          throw new LockstepException(ErrorCode.NOT_FOUND, "no user " + userId);
        }
        return Future.all(bus.call(new ListDevices(asUser)), bus.call(new ListConversations(asUser)),
                bus.call(new GetSettings(asUser, null)))
            .map(all -> {
              JsonArray live = all.<DeviceList>resultAt(0).toJsonArray();
              for (Object device : user.getJsonArray("devices")) {
                JsonObject entry = (JsonObject) device;
                JsonObject presenceOf = live.stream().map(JsonObject.class::cast)
                    .filter(d -> d.getString("device_id").equals(entry.getString("device_id"))).findFirst().orElse(null);
                entry.put("online", presenceOf == null ? Boolean.FALSE : presenceOf.getBoolean("online"))
                    .put("presence", presenceOf == null ? null : presenceOf.getJsonObject("presence"))
                    .put("push", presenceOf == null ? null : presenceOf.getJsonObject("push"));
              }
              JsonObject conversations = all.<ConversationStates>resultAt(1).list();
              return user.put("thresholds", config.admin().console().thresholds().toJson())
                  .put("conversations", conversations.getJsonArray("conversations"))
                  .put("total_unread", conversations.getLong("total_unread"))
                  .put("settings", all.<SettingsReply>resultAt(2).settings().getJsonObject("account"));
            });
      }));
    }

    void searchConversations(RoutingContext ctx) {
      http.respond(ctx, store.searchConversations(AdminHttp.query(ctx), PAGE)
          .map(conversations -> new JsonObject().put("conversations", conversations)));
    }

    void conversation(RoutingContext ctx) {
      String id = ctx.pathParam("conversation_id");
      long before = longParam(ctx, "before", Long.MAX_VALUE, 0, Long.MAX_VALUE);
      int limit = (int) longParam(ctx, "limit", PAGE, 1, 200);
      http.respond(ctx, store.conversation(id, before, limit).map(conversation -> {
        if (conversation == null) {
          throw new LockstepException(ErrorCode.NOT_FOUND, "no conversation " + id);
        }
        return conversation;
      }));
    }

    /** Sync health, each listed device marked online or not: "offline and behind" is not "online and not acking". */
    void syncHealth(RoutingContext ctx) {
      http.respond(ctx, store.syncHealth(20).compose(health -> devicePresence.mark(List.of(health.getJsonArray("laggards"),
              health.getJsonArray("behind_retention"), health.getJsonArray("duplicate_senders"),
              health.getJsonArray("divergent")))
          .map(v -> health.put("thresholds", config.admin().console().thresholds().toJson()))));
    }

    void plugins(RoutingContext ctx) {
      http.respond(ctx, bus.call(new ListPlugins()).map(PluginList::toJson));
    }

    /** Push health per provider, cluster-wide: sent, retried, failed, pruned, outbox depth, dead letters, tokens. */
    void push(RoutingContext ctx) {
      http.respond(ctx, pushes.health().map(providers -> new JsonObject().put("providers", providers)
          .put("thresholds", config.admin().console().thresholds().toJson())));
    }

    void audit(RoutingContext ctx) {
      http.respond(ctx, store.auditLog(200).map(entries -> new JsonObject().put("entries", entries)));
    }
  }
}
