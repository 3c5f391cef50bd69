package io.lockstep.client;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.UpgradeRejectedException;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;

import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Opens {@link Connection}s to one Lockstep server. Holds one WebSocket client for its lifetime (a
 * client that nothing references can be collected mid-handshake) and, unless given one, its own Vert.x.
 *
 * <pre>{@code
 * LockstepClient client = LockstepClient.create(ClientOptions.of("chat.example.com", 8080));
 * Connection connection = client.connect().join();
 * connection.onEvent(event -> store.apply(event));
 * Welcome welcome = connection.hello(Hello.withToken(jwt).deviceId(savedDeviceId).cursor(savedSeq)).join();
 * }</pre>
 */
public final class LockstepClient {

  private final Vertx vertx;
  private final boolean ownsVertx;
  private final ClientOptions options;
  private final WebSocketClient sockets;

  private LockstepClient(Vertx vertx, boolean ownsVertx, ClientOptions options) {
    this.vertx = vertx;
    this.ownsVertx = ownsVertx;
    this.options = options;
    WebSocketClientOptions socketOptions = new WebSocketClientOptions().setDefaultHost(options.host())
        .setDefaultPort(options.port()).setConnectTimeout((int) options.connectTimeout().toMillis())
        .setMaxConnections(options.maxConnections());
    if (options.localAddress() != null) {
      socketOptions.setLocalAddress(options.localAddress());
    }
    this.sockets = vertx.createWebSocketClient(socketOptions);
  }

  /** A client with its own Vert.x (one event loop per core), closed with it. */
  public static LockstepClient create(ClientOptions options) {
    return new LockstepClient(Vertx.vertx(), true, options);
  }

  /** A client on an application's Vert.x, which stays open when the client closes. */
  public static LockstepClient create(Vertx vertx, ClientOptions options) {
    return new LockstepClient(vertx, false, options);
  }

  public ClientOptions options() {
    return options;
  }

  /**
   * Opens a connection; say {@link Connection#hello} on it next. Fails with an
   * {@link UpgradeRefusedException} when the server answers the upgrade with another HTTP status.
   */
  public CompletableFuture<Connection> connect() {
    String uri = options.transport() == Transport.WEBSOCKET ? "/v1/ws"
        : "/v1/sockjs/000/" + UUID.randomUUID().toString().substring(0, 8) + "/websocket";
    return sockets.connect(new WebSocketConnectOptions().setHost(options.host()).setPort(options.port()).setURI(uri))
        .timeout(options.handshakeTimeout().toMillis(), TimeUnit.MILLISECONDS)
        .<Connection>map(socket -> new Connection(socket, options.transport()))
        .recover(LockstepClient::refusal)
        .toCompletionStage().toCompletableFuture();
  }

  private static Future<Connection> refusal(Throwable failure) {
    if (failure instanceof UpgradeRejectedException rejected) {
      Map<String, String> headers = new HashMap<>();
      if (rejected.getHeaders() != null) {
        rejected.getHeaders().forEach(headers::put);
      }
      return Future.failedFuture(new UpgradeRefusedException(rejected.getStatus(), headers));
    }
    return Future.failedFuture(failure);
  }

  /** Closes the WebSocket client (its connections with it) and the Vert.x it made, if it made one. */
  public CompletableFuture<Void> close() {
    return sockets.close().compose(v -> ownsVertx ? vertx.close() : Future.<Void>succeededFuture())
        .toCompletionStage().toCompletableFuture();
  }
}
