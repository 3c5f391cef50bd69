package io.lockstep.limits;

import io.lockstep.client.raw.RawOptions;
import io.lockstep.client.raw.RawWebSocket;
import io.lockstep.test.LockstepNode;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

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
  void eachForwardedAddressHasItsOwnBucket() {
    assertTrue(upgrade("203.0.113.1").startsWith("HTTP/1.1 101"));
    assertTrue(upgrade("203.0.113.1").startsWith("HTTP/1.1 101"));
    assertTrue(upgrade("203.0.113.1").startsWith("HTTP/1.1 429"), "the third from one client address is refused");
    assertTrue(upgrade("203.0.113.2").startsWith("HTTP/1.1 101"), "another client behind the same proxy is not");
  }

  private static String upgrade(String forwardedFor) {
    try (RawWebSocket socket = RawWebSocket.connect(RawOptions.to(NODE.port()).withHeader("X-Forwarded-For", forwardedFor))) {
      return socket.handshakeResponse();
    }
  }
}
