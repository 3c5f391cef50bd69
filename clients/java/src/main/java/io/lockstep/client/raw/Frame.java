package io.lockstep.client.raw;

import java.nio.charset.StandardCharsets;

/**
 * One WebSocket frame as it came from the server: its opcode, FIN and RSV1 bits (RSV1 marks a
 * permessage-deflate compressed message) and its payload, unmasked. Fragments come one by one.
 */
public record Frame(int opcode, boolean fin, boolean compressed, byte[] payload) {

  /** The status a close frame without one reports (RFC 6455 §7.1.5). */
  public static final int NO_STATUS = 1005;

  /** The text of a text frame, inflated first when it was compressed. */
  public String text() {
    return new String(compressed ? Deflate.inflate(payload) : payload, StandardCharsets.UTF_8);
  }

  public boolean isClose() {
    return opcode == RawWebSocket.CLOSE;
  }

  /** The status code of a close frame, {@link #NO_STATUS} when it carries none. */
  public int closeCode() {
    return payload.length >= 2 ? (payload[0] & 0xff) << 8 | payload[1] & 0xff : NO_STATUS;
  }
}
