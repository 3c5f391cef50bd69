package io.lockstep.client;

/** A request or wait that could not complete because the connection ended first. */
public final class ConnectionClosedException extends RuntimeException {

  private final CloseReason reason;

  public ConnectionClosedException(CloseReason reason) {
    super("the connection closed: " + reason);
    this.reason = reason;
  }

  public CloseReason reason() {
    return reason;
  }
}
