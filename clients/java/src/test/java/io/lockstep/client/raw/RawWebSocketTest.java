package io.lockstep.client.raw;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The raw client's framing against a real WebSocket server (Vert.x's) that echoes whole messages. */
class RawWebSocketTest {

  private static final Duration WITHIN = Duration.ofSeconds(5);
  private static Vertx vertx;
  private static int port;

  @BeforeAll
  static void startEchoServer() throws Exception {
    vertx = Vertx.vertx();
    HttpServer server = vertx.createHttpServer(new HttpServerOptions().setMaxWebSocketFrameSize(1024)
            .setMaxWebSocketMessageSize(4096).setPerMessageWebSocketCompressionSupported(true))
        .requestHandler(request -> {
          if (!request.path().equals("/v1/ws")) {
            request.response().setStatusCode(429).putHeader("Retry-After", "3").end("slow down");
            return;
          }
          String greeting = request.getHeader("X-Greeting");
          request.toWebSocket().onSuccess(socket -> socket.textMessageHandler(text -> {
            if (text.equals("greeting")) {
              socket.writeTextMessage("greeting:" + greeting);
            } else if (text.equals("close")) {
              socket.close((short) 4008, "bye");
            } else {
              socket.writeTextMessage("echo:" + text);
            }
          }));
        });
    port = server.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS).actualPort();
  }

  @AfterAll
  static void stop() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @Test
  void fragmentsAreOneMessageToTheServer() {
    try (RawWebSocket socket = RawWebSocket.connect(RawOptions.to(port))) {
      assertTrue(socket.upgraded(), socket.handshakeResponse());
      socket.sendFrame(RawWebSocket.TEXT, false, false, "frag".getBytes(StandardCharsets.UTF_8));
      socket.sendFrame(RawWebSocket.CONTINUATION, false, false, "men".getBytes(StandardCharsets.UTF_8));
      socket.sendFrame(RawWebSocket.CONTINUATION, true, false, "ted".getBytes(StandardCharsets.UTF_8));
      Frame echo = socket.readFrame(WITHIN);
      assertEquals(RawWebSocket.TEXT, echo.opcode());
      assertTrue(echo.fin());
      assertEquals("echo:fragmented", echo.text());
    }
  }

  @Test
  void aCompressedMessageIsInflatedByAServerThatAgreedToCompression() {
    try (RawWebSocket socket = RawWebSocket.connect(RawOptions.to(port).withExtensions("permessage-deflate"))) {
      assertTrue(socket.acceptsExtension("permessage-deflate"), socket.handshakeResponse());
      socket.sendFrame(RawWebSocket.TEXT, true, true, Deflate.deflate("squeezed".getBytes(StandardCharsets.UTF_8)));
      assertEquals("echo:squeezed", socket.readFrame(WITHIN).text(), "the answer is read, inflated if it came compressed");
    }
    try (RawWebSocket plain = RawWebSocket.connect(RawOptions.to(port))) {
      assertFalse(plain.acceptsExtension("permessage-deflate"), "nothing agreed when nothing was offered");
    }
  }

  @Test
  void anAnnouncedFrameIsCompletedByTheBytesWrittenAfterIt() {
    try (RawWebSocket socket = RawWebSocket.connect(RawOptions.to(port))) {
      socket.announceFrame(RawWebSocket.TEXT, 5);
      socket.sendBytes("later".getBytes(StandardCharsets.US_ASCII));
      assertEquals("echo:later", socket.readFrame(WITHIN).text(), "the header's 64-bit length and zero mask were read");
    }
  }

  @Test
  void extraHeadersGoWithTheUpgrade() {
    try (RawWebSocket socket = RawWebSocket.connect(RawOptions.to(port).withHeader("X-Greeting", "hi"))) {
      socket.sendText("greeting");
      assertEquals("greeting:hi", socket.readFrame(WITHIN).text());
    }
  }

  @Test
  void awaitCloseReadsPastOtherFramesToTheCloseCode() {
    try (RawWebSocket socket = RawWebSocket.connect(RawOptions.to(port))) {
      socket.sendText("abc");
      socket.sendText("close");
      long[] otherBytes = {0};
      assertEquals(4008, socket.awaitClose(WITHIN, otherBytes));
      assertEquals("echo:abc".length(), otherBytes[0]);
    }
  }

  @Test
  void aRefusedUpgradeIsReadableWithItsStatusAndHeaders() {
    try (RawWebSocket socket = RawWebSocket.connect(RawOptions.to(port).withPath("/not-a-websocket"))) {
      assertFalse(socket.upgraded());
      assertEquals(429, socket.status());
      assertEquals("3", socket.header("retry-after"));
    }
  }

  @Test
  void aClientThatDoesNotReadGetsNoFrameAndPollingSaysSo() {
    try (RawWebSocket socket = RawWebSocket.connect(RawOptions.to(port).withReceiveBuffer(4096))) {
      assertEquals(null, socket.pollFrame(Duration.ofMillis(200)), "the server sent nothing unasked");
      socket.sendText("one");
      assertEquals("echo:one", socket.readFrame(WITHIN).text());
    }
  }

  @Test
  void deflateAndInflateAreInverse() {
    byte[] message = "a".repeat(100_000).getBytes(StandardCharsets.US_ASCII);
    byte[] deflated = Deflate.deflate(message);
    assertTrue(deflated.length < 1000, "zeros of one letter compress: " + deflated.length);
    assertArrayEquals(message, Deflate.inflate(deflated));
    byte[] bomb = Deflate.deflatedZeros(8);
    assertTrue(bomb.length < 16 * 1024, "8 MiB of zeros deflate to a few KB: " + bomb.length);
    assertArrayEquals(new byte[8 * 1024 * 1024], Deflate.inflate(bomb));
  }
}
