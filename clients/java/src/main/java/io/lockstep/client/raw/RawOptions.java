package io.lockstep.client.raw;

import java.time.Duration;

/**
 * Where and how a {@link RawWebSocket} connects: the server's address and path, the local address to
 * leave from (any of 127/8 reaches this machine, so a test can play many clients), the
 * {@code Sec-WebSocket-Extensions} offer, and the socket's receive buffer (small keeps the TCP window
 * small, for a client that stops reading).
 *
 * @param host             the server's host
 * @param port             the server's port
 * @param path             the request path, {@code /v1/ws} by default
 * @param localAddress     the local address to bind, or null for any
 * @param extensions       the extensions offer, or null for none
 * @param receiveBuffer    the socket's receive buffer in bytes, or 0 for the system's default
 * @param connectTimeout   how long the TCP connect may take
 * @param readTimeout      how long a read without a deadline of its own may block
 */
public record RawOptions(String host, int port, String path, String localAddress, String extensions,
                         int receiveBuffer, Duration connectTimeout, Duration readTimeout) {

  public static final String DEFAULT_PATH = "/v1/ws";
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

  /** The defaults for a server on 127.0.0.1 at this port. */
  public static RawOptions to(int port) {
    return new RawOptions("127.0.0.1", port, DEFAULT_PATH, null, null, 0, DEFAULT_TIMEOUT, DEFAULT_TIMEOUT);
  }

  public RawOptions withPath(String path) {
    return new RawOptions(host, port, path, localAddress, extensions, receiveBuffer, connectTimeout, readTimeout);
  }

  public RawOptions withLocalAddress(String localAddress) {
    return new RawOptions(host, port, path, localAddress, extensions, receiveBuffer, connectTimeout, readTimeout);
  }

  public RawOptions withExtensions(String extensions) {
    return new RawOptions(host, port, path, localAddress, extensions, receiveBuffer, connectTimeout, readTimeout);
  }

  public RawOptions withReceiveBuffer(int receiveBuffer) {
    return new RawOptions(host, port, path, localAddress, extensions, receiveBuffer, connectTimeout, readTimeout);
  }

  public RawOptions withReadTimeout(Duration readTimeout) {
    return new RawOptions(host, port, path, localAddress, extensions, receiveBuffer, connectTimeout, readTimeout);
  }
}
