package io.lockstep.connection;

import io.lockstep.test.LockstepNode;
import io.lockstep.client.raw.Deflate;
import io.lockstep.client.raw.RawOptions;
import io.lockstep.client.raw.RawWebSocket;
import io.lockstep.test.TestDevice;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.charset.StandardCharsets;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** With session.compression on, messages may be compressed, and inflation stops at the message limit. */
class CompressionTest {

  private static final Duration CLOSE_WITHIN = Duration.ofSeconds(10);

  @RegisterExtension
  static final LockstepNode NODE = new LockstepNode(new JsonObject()
      .put("session", new JsonObject().put("compression", true)));

  @Test
  void aCompressedHelloIsServedAndABombClosesWith1009() {
    try (RawWebSocket client = RawWebSocket.connect(RawOptions.to(NODE.port()).withExtensions("permessage-deflate"))) {
      assertTrue(client.handshakeResponse().toLowerCase().contains("permessage-deflate"), client.handshakeResponse());
      String hello = new JsonObject().put("type", "hello").put("token", NODE.token("cy")).encode();
      client.sendFrame(RawWebSocket.TEXT, true, true, Deflate.deflate(hello.getBytes(StandardCharsets.UTF_8)));
      assertEquals("welcome", new JsonObject(client.readFrame(CLOSE_WITHIN).text()).getString("type"));
    }
    try (RawWebSocket attacker = RawWebSocket.connect(RawOptions.to(NODE.port()).withExtensions("permessage-deflate"))) {
      attacker.sendFrame(RawWebSocket.TEXT, true, true, TransportLimitsTest.BOMB);
      assertEquals(1009, attacker.awaitClose(CLOSE_WITHIN, null));
    }
    TestDevice neighbour = NODE.device("di");
    neighbour.connectAndSync();
    assertEquals("pong", neighbour.request(new JsonObject().put("type", "ping")).getString("type"));
  }
}
