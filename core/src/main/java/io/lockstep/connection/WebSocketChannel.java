package io.lockstep.connection;

import io.vertx.core.Future;
import io.vertx.core.http.ServerWebSocket;

/** A raw WebSocket at /v1/ws: one JSON frame per text message. */
final class WebSocketChannel implements FrameChannel {

  private final ServerWebSocket socket;

  WebSocketChannel(ServerWebSocket socket) {
    this.socket = socket;
  }

  @Override
  public Future<Void> write(String frame) {
    return socket.writeTextMessage(frame);
  }

  @Override
  public boolean writeQueueFull() {
    return !socket.isClosed() && socket.writeQueueFull();
  }

  @Override
  public void onDrain(Runnable action) {
    if (socket.isClosed()) {
      return;
    }
    socket.drainHandler(v -> {
      socket.drainHandler(null);
      action.run();
    });
  }

  @Override
  public void close(int code, String reason) {
    socket.close((short) code, reason);
  }

  @Override
  public String transport() {
    return "websocket";
  }
}
