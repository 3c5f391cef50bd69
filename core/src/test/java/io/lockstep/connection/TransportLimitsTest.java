package io.lockstep.connection;

import io.lockstep.test.LockstepNode;
import io.lockstep.client.raw.Deflate;
import io.lockstep.client.raw.Frame;
import io.lockstep.client.raw.RawOptions;
import io.lockstep.client.raw.RawWebSocket;
import io.lockstep.test.TestDevice;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.charset.StandardCharsets;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Messages are limited as the server sees them, after any inflation: a compression bomb never
 * inflates, a message over the limit closes with 1009, invalid UTF-8 with 1007, and a client next to
 * the attacker keeps working.
 */
class TransportLimitsTest {

  private static final Duration CLOSE_WITHIN = Duration.ofSeconds(10);
  /** 64 MiB of zeros: about 64 KB once deflated, 64 times the largest message. */
  static final byte[] BOMB = Deflate.deflatedZeros(64);

  @RegisterExtension
  static final LockstepNode NODE = new LockstepNode(new JsonObject()
      .put("session", new JsonObject().put("hello_timeout", "1s")));

  @Test
  void compressionIsNotNegotiatedByDefaultAndACompressedFrameBeforeHelloIsRefusedUnread() {
    try (RawWebSocket attacker = RawWebSocket.connect(RawOptions.to(NODE.port()).withExtensions("permessage-deflate; client_max_window_bits"))) {
      assertTrue(attacker.handshakeResponse().startsWith("HTTP/1.1 101"), attacker.handshakeResponse());
      assertFalse(attacker.handshakeResponse().toLowerCase().contains("permessage-deflate"),
          "the server does not agree to compression: " + attacker.handshakeResponse());
      attacker.sendFrame(RawWebSocket.TEXT, true, true, BOMB);
      assertEquals(1002, attacker.awaitClose(CLOSE_WITHIN, null), "a compressed frame is a protocol error here");
    }
    assertNeighbourWorks("ana");
  }

  @Test
  void aMessageOverTheLimitInFragmentsClosesWith1009() {
    try (RawWebSocket client = RawWebSocket.connect(RawOptions.to(NODE.port()))) {
      byte[] half = "x".repeat(600 * 1024).getBytes(StandardCharsets.US_ASCII);
      client.sendFrame(RawWebSocket.TEXT, false, false, half);
      client.sendFrame(RawWebSocket.CONTINUATION, true, false, half);
      assertEquals(1009, client.awaitClose(CLOSE_WITHIN, null));
    }
    assertNeighbourWorks("bo");
  }

  @Test
  void aSingleFrameOverTheLimitClosesWith1009() {
    try (RawWebSocket client = RawWebSocket.connect(RawOptions.to(NODE.port()))) {
      client.announceFrame(RawWebSocket.TEXT, 1024 * 1024 + 1);
      assertEquals(1009, client.awaitClose(CLOSE_WITHIN, null));
    }
  }

  @Test
  void invalidUtf8ClosesWith1007AndValidUtf8IsServed() {
    try (RawWebSocket client = RawWebSocket.connect(RawOptions.to(NODE.port()))) {
      client.sendText("{\"type\":\"ping\",\"id\":\"é\"}");
      Frame answer = client.readFrame(CLOSE_WITHIN);
      assertEquals("not_ready", new JsonObject(answer.text()).getString("code"), "valid UTF-8 is read");
      client.sendFrame(RawWebSocket.TEXT, true, false, new byte[] {'{', '"', (byte) 0xc3, (byte) 0x28, '"', '}'});
      assertEquals(1007, client.awaitClose(CLOSE_WITHIN, null));
    }
  }

  @Test
  void aConnectionThatNeverSaysHelloIsClosed() {
    try (RawWebSocket idle = RawWebSocket.connect(RawOptions.to(NODE.port()))) {
      idle.sendText("{\"type\":\"ping\"}");
      assertEquals("not_ready", new JsonObject(idle.readFrame(CLOSE_WITHIN).text()).getString("code"));
      assertEquals(4001, idle.awaitClose(CLOSE_WITHIN, null), "frames before hello do not keep it open");
    }
  }

  private static void assertNeighbourWorks(String user) {
    TestDevice neighbour = NODE.device(user);
    neighbour.connectAndSync();
    assertEquals("pong", neighbour.request(new JsonObject().put("type", "ping")).getString("type"));
  }
}
