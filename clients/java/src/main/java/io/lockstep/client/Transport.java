package io.lockstep.client;

/** How a connection reaches the server: both carry the same frames (docs/protocol.md, Transports). */
public enum Transport {
  /** {@code /v1/ws}: one JSON object per text message. */
  WEBSOCKET,
  /** SockJS's websocket transport under {@code /v1/sockjs}: JSON objects wrapped in SockJS frames. */
  SOCKJS
}
