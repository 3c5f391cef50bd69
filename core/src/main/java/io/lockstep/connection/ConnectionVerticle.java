package io.lockstep.connection;

import io.lockstep.api.HttpApi;
import io.lockstep.api.HttpErrors;
import io.lockstep.api.HttpRoutes;
import io.lockstep.auth.TokenAuth;
import io.lockstep.config.LimitsConfig.Rated;
import io.lockstep.config.LockstepConfig;
import io.lockstep.limits.RateLimits;
import io.lockstep.limits.Refusal;
import io.lockstep.metrics.LockstepMetrics;
import io.lockstep.presence.PresenceRegistry;
import io.lockstep.store.DeviceStore;
import io.lockstep.store.StreamStore;
import io.lockstep.sync.Delivery;
import io.lockstep.bus.BusClient;
import io.vertx.core.Future;
import io.netty.handler.codec.http.websocketx.extensions.WebSocketServerExtensionHandler;
import io.netty.handler.codec.http.websocketx.extensions.compression.PerMessageDeflateServerExtensionHandshaker;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.impl.ConnectionBase;
import io.vertx.ext.web.AllowForwardHeaders;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.sockjs.SockJSHandler;
import io.vertx.ext.web.handler.sockjs.SockJSHandlerOptions;
import io.vertx.ext.web.handler.sockjs.SockJSSocket;
import io.vertx.sqlclient.Pool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Serves clients: the WebSocket endpoint /v1/ws, the SockJS endpoint /v1/sockjs and the REST API,
 * and receives the live events routed to this node. Several instances run per node (one per core);
 * each keeps its own sessions on its own event loop. New connections are counted against their
 * address's upgrade limit (HTTP 429 with Retry-After when over it); WebSocket messages are compressed
 * only when configured, and then inflate at most to the message limit.
 */
public final class ConnectionVerticle extends VerticleBase {

  /** Hard ceiling of one WebSocket message; frames between max_frame_bytes and this get frame_too_large. */
  private static final int TRANSPORT_LIMIT = 1024 * 1024;
  /** Server API bodies (API key only) may be larger than a client frame: 10,000 members added at once. */
  private static final int SERVER_API_LIMIT = 1024 * 1024;
  private static final int SHUTDOWN_CLEANUP_SECONDS = 5;
  /** A SockJS session refused by its address's upgrade limit (a WebSocket upgrade gets HTTP 429 instead). */
  private static final int RATE_LIMITED_CLOSE = 4029;
  private static final Logger LOG = LoggerFactory.getLogger(ConnectionVerticle.class);

  private final LockstepConfig config;
  private final Pool pool;
  private final PresenceRegistry presence;
  private final TokenAuth auth;
  private final RateLimits limits;
  private final LockstepMetrics metrics;
  private final List<HttpRoutes> routes;
  private BusClient bus;
  private LocalSessions sessions;
  private HttpServer server;
  private long heartbeatTimer;
  private long presenceTimer;

  public ConnectionVerticle(LockstepConfig config, Pool pool, PresenceRegistry presence, TokenAuth auth,
                            RateLimits limits, LockstepMetrics metrics, List<HttpRoutes> routes) {
    this.config = config;
    this.pool = pool;
    this.presence = presence;
    this.auth = auth;
    this.limits = limits;
    this.metrics = metrics;
    this.routes = routes;
  }

  @Override
  public Future<?> start() {
    bus = new BusClient(vertx);
    sessions = new LocalSessions(vertx, presence, new DeviceStore(pool), new StreamStore(pool), config.session().perDevice(), metrics);

    Router router = Router.router(vertx);
    switch (config.http().forwarded()) {
      case X_FORWARDED -> router.allowForward(AllowForwardHeaders.X_FORWARD);
      case FORWARDED -> router.allowForward(AllowForwardHeaders.FORWARD);
      case NONE -> router.allowForward(AllowForwardHeaders.NONE);
    }
    router.route("/v1/ws").handler(this::upgrade);
    SockJSHandler sockJs = SockJSHandler.create(vertx, new SockJSHandlerOptions()
        .setHeartbeatInterval(Math.max(1000, config.session().heartbeatMs() / 2)));
    router.route("/v1/sockjs/*").handler(BodyHandler.create().setBodyLimit(TRANSPORT_LIMIT));
    router.route("/v1/sockjs/*").subRouter(sockJs.socketHandler(this::acceptSockJs));
    BodyHandler clientBodies = BodyHandler.create().setBodyLimit(config.session().maxFrameBytes());
    BodyHandler serverBodies = BodyHandler.create().setBodyLimit(SERVER_API_LIMIT);
    router.route("/v1/*").handler(ctx ->
        (ctx.request().path().startsWith("/v1/server/") ? serverBodies : clientBodies).handle(ctx));
    router.route("/dev/*").handler(BodyHandler.create().setBodyLimit(config.session().maxFrameBytes()));
    new HttpApi(bus, auth, config.apiKey(), config.devMode(), limits).mount(router);
    routes.forEach(group -> group.mount(vertx, router));
    router.route().failureHandler(HttpErrors::onRouterFailure);
    router.route().last().handler(ctx -> ctx.fail(404));

    long heartbeat = config.session().heartbeatMs();
    heartbeatTimer = vertx.setPeriodic(Math.max(50, heartbeat / 4), id -> sessions.closeSilent(2 * heartbeat));
    presenceTimer = vertx.setPeriodic(Math.max(100, presence.ttl().toMillis() / 3), id -> sessions.refreshPresence());

    server = vertx.createHttpServer(new HttpServerOptions()
        .setHost(config.http().host())
        .setPort(config.http().port())
        .setMaxWebSocketFrameSize(TRANSPORT_LIMIT)
        .setMaxWebSocketMessageSize(TRANSPORT_LIMIT)
        .setPerFrameWebSocketCompressionSupported(false)
        .setPerMessageWebSocketCompressionSupported(config.session().compression())
        .setTcpNoDelay(true));
    if (config.session().compression()) {
      server.connectionHandler(ConnectionVerticle::boundInflation);
    }
    return Future.all(List.of(
            vertx.eventBus().<JsonObject>consumer(Delivery.nodeAddress(presence.nodeId()), m -> sessions.deliver(m.body()))
                .completion(),
            vertx.eventBus().<JsonObject>consumer(Delivery.BROADCAST, m -> sessions.deliver(m.body())).completion(),
            vertx.eventBus().<JsonObject>consumer(Delivery.STREAMS, m -> sessions.deliverStream(m.body())).completion(),
            vertx.eventBus().<JsonObject>consumer(LocalSessions.REPLACE_ADDRESS, m -> sessions.replace(m.body()))
                .completion(),
            vertx.eventBus().<JsonObject>consumer(OperatorDisconnect.ADDRESS, m -> sessions.disconnect(m.body()))
                .completion()))
        .compose(v -> server.requestHandler(router).listen());
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(heartbeatTimer);
    vertx.cancelTimer(presenceTimer);
    return sessions.closeAll()
        .timeout(SHUTDOWN_CLEANUP_SECONDS, TimeUnit.SECONDS)
        .recover(failure -> {
          LOG.warn("connections were closed, but their presence cleanup did not finish ({}); it expires with the TTL",
              failure.getMessage());
          return Future.succeededFuture();
        })
        .compose(v -> server.close());
  }

  /**
   * Vert.x offers permessage-deflate without a bound on what one message inflates to; this replaces
   * its extension handler with Netty's same handshaker given that bound, past which inflation stops
   * with a DecompressionException (the channel then closes the socket with 1009).
   */
  private static void boundInflation(HttpConnection connection) {
    if (connection instanceof ConnectionBase base
        && base.channel().pipeline().get("webSocketExtensionHandler") != null) {
      base.channel().pipeline().replace("webSocketExtensionHandler", "webSocketExtensionHandler",
          new WebSocketServerExtensionHandler(new PerMessageDeflateServerExtensionHandshaker(6, false, 15, false, false,
              TRANSPORT_LIMIT)));
    }
  }

  /** A WebSocket upgrade at /v1/ws, unless the client's address is over its upgrade limit. */
  private void upgrade(RoutingContext ctx) {
    String address = ctx.request().remoteAddress() == null ? "" : ctx.request().remoteAddress().hostAddress();
    Refusal refused = limits.take(Rated.UPGRADES_IP, address, 1);
    if (refused != null) {
      HttpErrors.respond(ctx, refused.toError("this connection"));
      return;
    }
    HttpConnection connection = ctx.request().connection();
    ctx.request().toWebSocket()
        .onSuccess(socket -> open(new WebSocketChannel(vertx, socket, connection, address, TRANSPORT_LIMIT)));
  }

  /** A SockJS session; over the address's upgrade limit it gets rate_limited and is closed (4029). */
  private void acceptSockJs(SockJSSocket socket) {
    RoutingContext ctx = socket.routingContext();
    String address = ctx != null && ctx.request().remoteAddress() != null ? ctx.request().remoteAddress().hostAddress()
        : socket.remoteAddress() == null ? "" : socket.remoteAddress().hostAddress();
    SockJsChannel channel = new SockJsChannel(socket, address);
    Refusal refused = limits.take(Rated.UPGRADES_IP, address, 1);
    if (refused != null) {
      socket.write(new JsonObject().put("type", "error").mergeIn(refused.toError("this connection").toJson()).encode());
      channel.close(RATE_LIMITED_CLOSE, "rate_limited");
      return;
    }
    open(channel);
  }

  private void open(FrameChannel channel) {
    DeviceSession session = new DeviceSession(vertx, channel, bus, auth, sessions, config.session(), limits, metrics);
    sessions.opened(session);
    session.start();
  }

  /** The port this server listens on (useful when configured with port 0). */
  public int actualPort() {
    return server.actualPort();
  }
}
