package io.lockstep.client;

import java.time.Duration;

/**
 * Where a {@link LockstepClient} connects and how patiently.
 *
 * @param host             the server's host
 * @param port             the server's HTTP port
 * @param transport        raw WebSocket or SockJS
 * @param localAddress     the local address connections leave from, or null for any
 * @param connectTimeout   how long a TCP connect may take
 * @param handshakeTimeout how long the whole upgrade may take (a server out of file descriptors can
 *                         accept a connection into its backlog and never answer)
 * @param maxConnections   how many connections the client may hold at once
 */
public record ClientOptions(String host, int port, Transport transport, String localAddress,
                            Duration connectTimeout, Duration handshakeTimeout, int maxConnections) {

  public static final Transport DEFAULT_TRANSPORT = Transport.WEBSOCKET;
  public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(30);
  public static final Duration DEFAULT_HANDSHAKE_TIMEOUT = Duration.ofSeconds(60);
  public static final int DEFAULT_MAX_CONNECTIONS = 1000;

  /** The defaults for a server at host:port. */
  public static ClientOptions of(String host, int port) {
    return new ClientOptions(host, port, DEFAULT_TRANSPORT, null, DEFAULT_CONNECT_TIMEOUT, DEFAULT_HANDSHAKE_TIMEOUT,
        DEFAULT_MAX_CONNECTIONS);
  }

  public ClientOptions withTransport(Transport transport) {
    return new ClientOptions(host, port, transport, localAddress, connectTimeout, handshakeTimeout, maxConnections);
  }

  public ClientOptions withLocalAddress(String localAddress) {
    return new ClientOptions(host, port, transport, localAddress, connectTimeout, handshakeTimeout, maxConnections);
  }

  public ClientOptions withHandshakeTimeout(Duration handshakeTimeout) {
    return new ClientOptions(host, port, transport, localAddress, connectTimeout, handshakeTimeout, maxConnections);
  }

  public ClientOptions withMaxConnections(int maxConnections) {
    return new ClientOptions(host, port, transport, localAddress, connectTimeout, handshakeTimeout, maxConnections);
  }
}
