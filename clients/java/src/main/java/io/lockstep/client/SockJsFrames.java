package io.lockstep.client;

import io.vertx.core.json.JsonArray;

import java.util.List;

/**
 * SockJS's framing over its websocket transport: the server sends {@code o} (open), {@code h}
 * (heartbeat), {@code a[...]} (messages) and {@code c[code,"reason"]} (close); the client sends a
 * JSON array of strings.
 */
final class SockJsFrames {

  /** What one SockJS frame carried: messages, or a close (code, reason), or nothing. */
  record Decoded(List<String> messages, CloseReason close) {
  }

  private static final Decoded NOTHING = new Decoded(List.of(), null);

  private SockJsFrames() {
  }

  static String encode(String message) {
    return new JsonArray().add(message).encode();
  }

  static Decoded decode(String frame) {
    if (frame.isEmpty()) {
      return NOTHING;
    }
    return switch (frame.charAt(0)) {
      case 'a' -> {
        JsonArray array = new JsonArray(frame.substring(1));
        List<String> messages = new java.util.ArrayList<>(array.size());
        for (int i = 0; i < array.size(); i++) {
          messages.add(array.getString(i));
        }
        yield new Decoded(messages, null);
      }
      case 'c' -> {
        JsonArray close = new JsonArray(frame.substring(1));
        yield new Decoded(List.of(), new CloseReason(close.getInteger(0), close.getString(1)));
      }
      default -> NOTHING;
    };
  }
}
