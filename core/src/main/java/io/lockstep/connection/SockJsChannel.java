package io.lockstep.connection;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.handler.sockjs.SockJSSocket;

/** A SockJS session at /v1/sockjs (any SockJS transport): one JSON frame per SockJS message. */
final class SockJsChannel implements FrameChannel {

  private final SockJSSocket socket;
  private final String address;

  SockJsChannel(SockJSSocket socket, String address) {
    this.socket = socket;
    this.address = address;
  }

  @Override
  public void start(DeviceSession session) {
    socket.handler(buffer -> session.onText(buffer.toString()));
    socket.endHandler(v -> session.closed());
  }

  @Override
  public Future<Void> write(String frame) {
    return socket.write(frame);
  }

  @Override
  public void pause() {
    socket.pause();
  }

  @Override
  public void resume() {
    socket.resume();
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

  @Override
  public String remoteAddress() {
    return address;
  }
}
