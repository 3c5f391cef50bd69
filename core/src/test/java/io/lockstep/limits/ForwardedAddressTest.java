package io.lockstep.limits;

import io.lockstep.test.LockstepNode;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Behind a proxy (http.forwarded: x-forwarded) the per-address limits count the address the proxy
 * names, so clients behind one balancer do not share a bucket.
 */
class ForwardedAddressTest {

  @RegisterExtension
  static final LockstepNode NODE = new LockstepNode(new JsonObject()
      .put("http", new JsonObject().put("forwarded", "x-forwarded"))
      .put("limits", new JsonObject().put("upgrades", new JsonObject().put("ip", RateLimitTest.bucket(2, "1m", 2)))));

  @Test
  void eachForwardedAddressHasItsOwnBucket() throws IOException {
    assertTrue(upgrade("203.0.113.1").startsWith("HTTP/1.1 101"));
    assertTrue(upgrade("203.0.113.1").startsWith("HTTP/1.1 101"));
    assertTrue(upgrade("203.0.113.1").startsWith("HTTP/1.1 429"), "the third from one client address is refused");
    assertTrue(upgrade("203.0.113.2").startsWith("HTTP/1.1 101"), "another client behind the same proxy is not");
  }

  private static String upgrade(String forwardedFor) throws IOException {
    try (Socket socket = new Socket("127.0.0.1", NODE.port())) {
      String request = "GET /v1/ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
          + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nX-Forwarded-For: " + forwardedFor
          + "\r\n\r\n";
      socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
      InputStream in = socket.getInputStream();
      byte[] status = new byte[12];
      int read = in.readNBytes(status, 0, status.length);
      return new String(status, 0, read, StandardCharsets.US_ASCII);
    }
  }
}
