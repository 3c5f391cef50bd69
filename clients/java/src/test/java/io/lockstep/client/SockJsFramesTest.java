package io.lockstep.client;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class SockJsFramesTest {

  @Test
  void messagesCloseAndNoiseAreTold() {
    assertEquals(List.of("{\"type\":\"pong\"}", "x"), SockJsFrames.decode("a[\"{\\\"type\\\":\\\"pong\\\"}\",\"x\"]").messages());
    assertEquals(new CloseReason(3000, "Go away!"), SockJsFrames.decode("c[3000,\"Go away!\"]").close());
    assertEquals(List.of(), SockJsFrames.decode("o").messages());
    assertNull(SockJsFrames.decode("h").close());
    assertEquals("[\"{\\\"a\\\":1}\"]", SockJsFrames.encode("{\"a\":1}"));
  }
}
