package io.lockstep.connection;

import io.vertx.core.Future;

/** One client connection as the session sees it, whichever transport carries it (WebSocket or SockJS). */
interface FrameChannel {

  /** Starts handing the connection's messages to the session, and tells it when the connection closes. */
  void start(DeviceSession session);

  /** Writes one JSON frame as one text message; completes when it was handed to the operating system. */
  Future<Void> write(String frame);

  /** Stops reading from the socket (TCP backpressure); messages already read wait. */
  void pause();

  void resume();

  /** Closes the connection with an application close code (4000-4999) or a standard one. */
  void close(int code, String reason);

  String transport();

  /** The client's address, as the per-address limits count it. */
  String remoteAddress();
}
