package io.lockstep.perf.attack;

import io.lockstep.perf.Latency;
import io.vertx.core.json.JsonObject;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.Deflater;

/**
 * Compression bombs before hello: connects with no token, offers permessage-deflate, and sends one
 * text frame with RSV1 set whose payload is raw DEFLATE of N MiB of zeros (a thousandth of that on the
 * wire); reads what comes back, reconnects and does it again until stopped. A server that inflates
 * without a bound grows by N MiB per frame. Lockstep should refuse the frame unread when compression
 * is off (its default: RSV1 is then a protocol error) and stop inflating at its message limit (1009)
 * when it is on; either way without a reply.
 */
final class CompressionBomb implements Attacker {

  private static final int ANSWER_TIMEOUT_MS = 5_000;

  private final String address;
  private final int port;
  private final int inflatedMiB;
  private final byte[] bomb;
  private final Tally outcomes = new Tally();
  private final AtomicLong connections = new AtomicLong();
  private final AtomicLong negotiated = new AtomicLong();
  private final AtomicLong bombsWritten = new AtomicLong();
  private final AtomicLong replies = new AtomicLong();
  private final Latency closedAfter = new Latency();
  private final Thread thread;
  private volatile boolean stopped;

  CompressionBomb(String address, int port, int inflatedMiB) {
    this.address = address;
    this.port = port;
    this.inflatedMiB = inflatedMiB;
    this.bomb = deflatedZeros(inflatedMiB);
    this.thread = new Thread(this::run, "compression-bomb");
    thread.setDaemon(true);
  }

  @Override
  public String name() {
    return "compression_bomb";
  }

  @Override
  public void start() {
    thread.start();
  }

  private void run() {
    while (!stopped) {
      connections.incrementAndGet();
      try (RawWebSocket socket = RawWebSocket.open(address, port, "permessage-deflate; client_max_window_bits", 0)) {
        if (!socket.upgraded()) {
          outcomes.add("http_" + socket.status());
          continue;
        }
        if (socket.offersExtension("permessage-deflate")) {
          negotiated.incrementAndGet();
        }
        try {
          socket.writeFrame(RawWebSocket.TEXT, true, bomb);
          bombsWritten.incrementAndGet();
        } catch (IOException e) {
          outcomes.add("reset_while_writing");
          continue;
        }
        long written = System.nanoTime();
        outcomes.add(answer(socket, written));
      } catch (IOException e) {
        outcomes.add("connect_failed");
      }
    }
  }

  /** What the server did after the bomb: closed (with which code), replied, dropped it, or nothing. */
  private String answer(RawWebSocket socket, long written) throws IOException {
    socket.setReadTimeout(ANSWER_TIMEOUT_MS);
    try {
      while (true) {
        RawWebSocket.Frame frame = socket.readFrame();
        if (frame.opcode() == RawWebSocket.CLOSE) {
          closedAfter.recordNanos(System.nanoTime() - written);
          return "close_" + frame.closeCode();
        }
        replies.incrementAndGet();
      }
    } catch (SocketTimeoutException e) {
      return "no_answer_within_" + ANSWER_TIMEOUT_MS + "ms";
    } catch (EOFException e) {
      closedAfter.recordNanos(System.nanoTime() - written);
      return "closed_without_close_frame";
    } catch (IOException e) {
      closedAfter.recordNanos(System.nanoTime() - written);
      return "reset";
    }
  }

  @Override
  public void stop() {
    stopped = true;
    try {
      thread.join(ANSWER_TIMEOUT_MS + 5_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public JsonObject fate() {
    return new JsonObject()
        .put("source_address", address)
        .put("frame_wire_bytes", bomb.length)
        .put("frame_inflates_to_mib", inflatedMiB)
        .put("connections", connections.get())
        .put("deflate_negotiated", negotiated.get())
        .put("bombs_written", bombsWritten.get())
        .put("replies", replies.get())
        .put("outcomes", outcomes.toJson())
        .put("closed_after_write", closedAfter.toJson());
  }

  /**
   * A permessage-deflate payload (RFC 7692 §7.2.1): raw DEFLATE of mib MiB of zeros, sync-flushed,
   * without the trailing 00 00 ff ff.
   */
  static byte[] deflatedZeros(int mib) {
    Deflater deflater = new Deflater(Deflater.BEST_COMPRESSION, true);
    byte[] zeros = new byte[1024 * 1024];
    byte[] chunk = new byte[64 * 1024];
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (int i = 0; i < mib; i++) {
      deflater.setInput(zeros);
      while (!deflater.needsInput()) {
        out.write(chunk, 0, deflater.deflate(chunk, 0, chunk.length, Deflater.NO_FLUSH));
      }
    }
    int produced;
    do {
      produced = deflater.deflate(chunk, 0, chunk.length, Deflater.SYNC_FLUSH);
      out.write(chunk, 0, produced);
    } while (produced == chunk.length);
    deflater.end();
    byte[] bytes = out.toByteArray();
    return java.util.Arrays.copyOf(bytes, bytes.length - 4);
  }
}
