package io.lockstep.client.raw;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

/**
 * permessage-deflate's payload format (RFC 7692 §7.2.1): raw DEFLATE, flushed, without the
 * trailing {@code 00 00 ff ff} of the final empty block.
 */
public final class Deflate {

  private static final byte[] TAIL = {0, 0, (byte) 0xff, (byte) 0xff};

  private Deflate() {
  }

  /** A message compressed as a permessage-deflate frame carries it. */
  public static byte[] deflate(byte[] message) {
    Deflater deflater = new Deflater(Deflater.BEST_COMPRESSION, true);
    deflater.setInput(message);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] chunk = new byte[64 * 1024];
    int n;
    do {
      n = deflater.deflate(chunk, 0, chunk.length, Deflater.SYNC_FLUSH);
      out.write(chunk, 0, n);
    } while (n == chunk.length);
    deflater.end();
    byte[] all = out.toByteArray();
    return Arrays.copyOf(all, all.length - TAIL.length);
  }

  /** The message a permessage-deflate payload carries; IllegalArgumentException if it does not inflate. */
  public static byte[] inflate(byte[] payload) {
    Inflater inflater = new Inflater(true);
    byte[] input = Arrays.copyOf(payload, payload.length + TAIL.length);
    System.arraycopy(TAIL, 0, input, payload.length, TAIL.length);
    inflater.setInput(input);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] chunk = new byte[64 * 1024];
    try {
      int n;
      while ((n = inflater.inflate(chunk)) > 0) {
        out.write(chunk, 0, n);
      }
    } catch (DataFormatException e) {
      throw new IllegalArgumentException("a compressed frame that does not inflate", e);
    } finally {
      inflater.end();
    }
    return out.toByteArray();
  }
}
