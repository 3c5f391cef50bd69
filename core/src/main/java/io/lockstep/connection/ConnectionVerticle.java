package io.lockstep.connection;

import io.lockstep.api.HttpApi;
import io.lockstep.api.HttpErrors;
import io.lockstep.api.HttpRoutes;
import io.lockstep.auth.TokenAuth;
import io.lockstep.config.LockstepConfig;
import io.lockstep.metrics.LockstepMetrics;
import io.lockstep.presence.PresenceRegistry;
import io.lockstep.store.DeviceStore;
import io.lockstep.sync.Delivery;
import io.lockstep.bus.BusClient;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
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
 * each keeps its own sessions on its own event loop.
 */
public final class ConnectionVerticle extends VerticleBase {

  /** Hard ceiling of one WebSocket message; frames between max_frame_bytes and this get frame_too_large. */
  private static final int TRANSPORT_LIMIT = 1024 * 1024;
  private static final int SHUTDOWN_CLEANUP_SECONDS = 5;
  private static final Logger LOG = LoggerFactory.getLogger(ConnectionVerticle.class);

  private final LockstepConfig config;
  private final Pool pool;
  private final PresenceRegistry presence;
  private final TokenAuth auth;
  private final LockstepMetrics metrics;
  private final List<HttpRoutes> routes;
  private BusClient bus;
  private LocalSessions sessions;
  private HttpServer server;
  private long heartbeatTimer;
  private long presenceTimer;

  public ConnectionVerticle(LockstepConfig config, Pool pool, PresenceRegistry presence, TokenAuth auth,
                            LockstepMetrics metrics, List<HttpRoutes> routes) {
    this.config = config;
    this.pool = pool;
    this.presence = presence;
    this.auth = auth;
    this.metrics = metrics;
    this.routes = routes;
  }

  @Override
  public Future<?> start() {
    bus = new BusClient(vertx);
    sessions = new LocalSessions(presence, new DeviceStore(pool), metrics);

    Router router = Router.router(vertx);
    router.route("/v1/ws").handler(ctx -> ctx.request().toWebSocket().onSuccess(this::acceptWebSocket));
    SockJSHandler sockJs = SockJSHandler.create(vertx, new SockJSHandlerOptions()
        .setHeartbeatInterval(Math.max(1000, config.session().heartbeatMs() / 2)));
    router.route("/v1/sockjs/*").handler(BodyHandler.create().setBodyLimit(TRANSPORT_LIMIT));
    router.route("/v1/sockjs/*").subRouter(sockJs.socketHandler(this::acceptSockJs));
    router.route("/v1/*").handler(BodyHandler.create().setBodyLimit(config.session().maxFrameBytes()));
    router.route("/dev/*").handler(BodyHandler.create().setBodyLimit(config.session().maxFrameBytes()));
    new HttpApi(bus, auth, config.apiKey(), config.devMode()).mount(router);
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
        .setTcpNoDelay(true));
    return Future.all(List.of(
            vertx.eventBus().<JsonObject>consumer(Delivery.nodeAddress(presence.nodeId()), m -> sessions.deliver(m.body()))
                .completion(),
            vertx.eventBus().<JsonObject>consumer(Delivery.BROADCAST, m -> sessions.deliver(m.body())).completion()))
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

  private void acceptWebSocket(ServerWebSocket socket) {
    DeviceSession session = open(new WebSocketChannel(socket));
    socket.textMessageHandler(session::onText);
    socket.binaryMessageHandler(buffer -> session.onBinary());
    socket.closeHandler(v -> session.closed());
  }

  private void acceptSockJs(SockJSSocket socket) {
    DeviceSession session = open(new SockJsChannel(socket));
    socket.handler(buffer -> session.onText(buffer.toString()));
    socket.endHandler(v -> session.closed());
  }

  private DeviceSession open(FrameChannel channel) {
    DeviceSession session = new DeviceSession(vertx, channel, bus, auth, sessions, config.session(), metrics);
    sessions.opened(session);
    return session;
  }

  /** The port this server listens on (useful when configured with port 0). */
  public int actualPort() {
    return server.actualPort();
  }
}
