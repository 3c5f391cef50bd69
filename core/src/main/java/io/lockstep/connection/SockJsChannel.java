package io.lockstep.connection;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.handler.sockjs.SockJSSocket;

/** A SockJS session at /v1/sockjs (any SockJS transport): one JSON frame per SockJS message. */
final class SockJsChannel implements FrameChannel {

  private final SockJSSocket socket;

  SockJsChannel(SockJSSocket socket) {
    this.socket = socket;
  }

  @Override
  public Future<Void> write(String frame) {
    return socket.write(frame);
  }

  @Override
  public boolean writeQueueFull() {
    return socket.writeQueueFull();
  }

  @Override
  public void onDrain(Runnable action) {
    socket.drainHandler(v -> {
      socket.drainHandler(null);
      action.run();
    });
  }

  /**
   * SockJS sessions always end with SockJS's own close frame (3000, "Go away!"), so the application
   * close code travels first as a frame of its own: {type: "close", code, reason}.
   */
  @Override
  public void close(int code, String reason) {
    socket.write(new JsonObject().put("type", "close").put("code", code).put("reason", reason).encode())
        .onComplete(written -> socket.close(code, reason));
  }

  @Override
  public String transport() {
    return "sockjs";
  }
}
