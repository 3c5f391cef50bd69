package io.lockstep.client;

/**
 * How a connection ended: the WebSocket close code ({@link #NONE} when the connection dropped without
 * one) and reason. {@link #code()} can be read with {@link CloseCode#of(int)}.
 */
public record CloseReason(int code, String reason) {

  public static final int NONE = -1;

  /** What docs/protocol.md says to do after this close, or null for a code it does not list. */
  public CloseCode closeCode() {
    return CloseCode.of(code);
  }

  @Override
  public String toString() {
    return code + (reason == null || reason.isEmpty() ? "" : " " + reason);
  }
}
