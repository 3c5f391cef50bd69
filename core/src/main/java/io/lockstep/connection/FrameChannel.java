package io.lockstep.connection;

import io.vertx.core.Future;

/** One client connection as the session sees it, whichever transport carries it (WebSocket or SockJS). */
interface FrameChannel {

  /** Writes one JSON frame as one text message. */
  Future<Void> write(String frame);

  boolean writeQueueFull();

  /** Runs once when the write queue has drained below its limit. */
  void onDrain(Runnable action);

  /** Closes the connection with an application close code (4000-4999) or a standard one. */
  void close(int code, String reason);

  String transport();
}
