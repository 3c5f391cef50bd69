package io.lockstep.client.raw;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Where and how a {@link RawWebSocket} connects: the server's address and path, the local address to
 * leave from (any of 127/8 reaches this machine, so a test can play many clients), the
 * {@code Sec-WebSocket-Extensions} offer, and the socket's receive buffer (small keeps the TCP window
 * small, for a client that stops reading), and any other headers of the upgrade request (a forged
 * {@code X-Forwarded-For}).
 *
 * @param host             the server's host
 * @param port             the server's port
 * @param path             the request path, {@code /v1/ws} by default
 * @param localAddress     the local address to bind, or null for any
 * @param extensions       the extensions offer, or null for none
 * @param receiveBuffer    the socket's receive buffer in bytes, or 0 for the system's default
 * @param connectTimeout   how long the TCP connect may take
 * @param readTimeout      how long a read without a deadline of its own may block
 * @param headers          more headers of the upgrade request, in order
 */
public record RawOptions(String host, int port, String path, String localAddress, String extensions,
                         int receiveBuffer, Duration connectTimeout, Duration readTimeout, Map<String, String> headers) {

  public static final String DEFAULT_PATH = "/v1/ws";
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

  /** The defaults for a server on 127.0.0.1 at this port. */
  public static RawOptions to(int port) {
    return new RawOptions("127.0.0.1", port, DEFAULT_PATH, null, null, 0, DEFAULT_TIMEOUT, DEFAULT_TIMEOUT,
        Map.of());
  }

  public RawOptions withPath(String path) {
    return new RawOptions(host, port, path, localAddress, extensions, receiveBuffer, connectTimeout, readTimeout, headers);
  }

  public RawOptions withLocalAddress(String localAddress) {
    return new RawOptions(host, port, path, localAddress, extensions, receiveBuffer, connectTimeout, readTimeout, headers);
  }

  public RawOptions withExtensions(String extensions) {
    return new RawOptions(host, port, path, localAddress, extensions, receiveBuffer, connectTimeout, readTimeout, headers);
  }

  public RawOptions withReceiveBuffer(int receiveBuffer) {
    return new RawOptions(host, port, path, localAddress, extensions, receiveBuffer, connectTimeout, readTimeout, headers);
  }

  public RawOptions withReadTimeout(Duration readTimeout) {
    return new RawOptions(host, port, path, localAddress, extensions, receiveBuffer, connectTimeout, readTimeout, headers);
  }

  /** Adds a header to the upgrade request. */
  public RawOptions withHeader(String name, String value) {
    Map<String, String> more = new LinkedHashMap<>(headers);
    more.put(name, value);
    return new RawOptions(host, port, path, localAddress, extensions, receiveBuffer, connectTimeout, readTimeout, more);
  }
}
