package io.lockstep.bus;

/**
 * Who a request acts for, as the server authenticated it: the user of a client token and the device
 * of a welcomed connection. It is built by the connection or the HTTP API from what they verified,
 * never read from a client's frame or body. The server API acts for no user.
 */
public record Caller(String userId, String deviceId) {

  private static final Caller SERVER = new Caller(null, null);

  /** The server API (API key): no user, no device. */
  public static Caller server() {
    return SERVER;
  }

  /** A client over HTTP: a user, no device. */
  public static Caller user(String userId) {
    return new Caller(userId, null);
  }

  /** A welcomed device connection. */
  public static Caller device(String userId, String deviceId) {
    return new Caller(userId, deviceId);
  }
}
