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
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    feed(deflater, message, out);
    return finish(deflater, out);
  }

  /**
   * The payload of a message of mib MiB of zeros, deflated a MiB at a time (a compression bomb: about
   * a thousandth of its inflated size), without holding the zeros.
   */
  public static byte[] deflatedZeros(int mib) {
    Deflater deflater = new Deflater(Deflater.BEST_COMPRESSION, true);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] zeros = new byte[1024 * 1024];
    for (int i = 0; i < mib; i++) {
      feed(deflater, zeros, out);
    }
    return finish(deflater, out);
  }

  private static void feed(Deflater deflater, byte[] input, ByteArrayOutputStream out) {
    byte[] chunk = new byte[64 * 1024];
    deflater.setInput(input);
    while (!deflater.needsInput()) {
      out.write(chunk, 0, deflater.deflate(chunk, 0, chunk.length, Deflater.NO_FLUSH));
    }
  }

  /** Flushes (SYNC_FLUSH) and drops the empty block's tail, as permessage-deflate sends a message. */
  private static byte[] finish(Deflater deflater, ByteArrayOutputStream out) {
    byte[] chunk = new byte[64 * 1024];
    int produced;
    do {
      produced = deflater.deflate(chunk, 0, chunk.length, Deflater.SYNC_FLUSH);
      out.write(chunk, 0, produced);
    } while (produced == chunk.length);
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
