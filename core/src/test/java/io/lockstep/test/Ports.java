package io.lockstep.test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Ports for the tests' servers. Each is chosen before the server that binds it starts, so each is
 * drawn below Linux's ephemeral range (32768 up): a free ephemeral port could meanwhile become the
 * source port of some outgoing connection (a node's to PostgreSQL, say), and the server could not
 * bind it.
 */
public final class Ports {

  private Ports() {
  }

  /** A port on 127.0.0.1 that is free now, between 20000 and 32000. */
  public static int free() {
    for (int attempt = 0; attempt < 200; attempt++) {
      int port = ThreadLocalRandom.current().nextInt(20_000, 32_000);
      try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
        return port;
      } catch (IOException taken) {
        // in use: draw another
      }
    }
    throw new IllegalStateException("no free port between 20000 and 32000 on 127.0.0.1");
  }
}
