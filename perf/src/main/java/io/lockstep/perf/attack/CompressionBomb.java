package io.lockstep.perf.attack;

import io.lockstep.client.raw.Deflate;
import io.lockstep.client.raw.Frame;
import io.lockstep.client.raw.RawOptions;
import io.lockstep.client.raw.RawWebSocket;
import io.lockstep.perf.Latency;
import io.vertx.core.json.JsonObject;

import java.io.EOFException;
import java.io.UncheckedIOException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

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
    this.bomb = Deflate.deflatedZeros(inflatedMiB);
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
      try (RawWebSocket socket = RawWebSocket.connect(RawOptions.to(port).withLocalAddress(address)
          .withExtensions("permessage-deflate; client_max_window_bits"))) {
        if (!socket.upgraded()) {
          outcomes.add("http_" + socket.status());
          continue;
        }
        if (socket.acceptsExtension("permessage-deflate")) {
          negotiated.incrementAndGet();
        }
        try {
          socket.sendFrame(RawWebSocket.TEXT, true, true, bomb);
          bombsWritten.incrementAndGet();
        } catch (UncheckedIOException e) {
          outcomes.add("reset_while_writing");
          continue;
        }
        long written = System.nanoTime();
        outcomes.add(answer(socket, written));
      } catch (UncheckedIOException e) {
        outcomes.add("connect_failed");
      }
    }
  }

  /** What the server did after the bomb: closed (with which code), replied, dropped it, or nothing. */
  private String answer(RawWebSocket socket, long written) {
    try {
      while (true) {
        Frame frame = socket.readFrame(Duration.ofMillis(ANSWER_TIMEOUT_MS));
        if (frame == null) {
          closedAfter.recordNanos(System.nanoTime() - written);
          return "closed_without_close_frame";
        }
        if (frame.isClose()) {
          closedAfter.recordNanos(System.nanoTime() - written);
          return "close_" + frame.closeCode();
        }
        replies.incrementAndGet();
      }
    } catch (UncheckedIOException e) {
      if (e.getCause() instanceof SocketTimeoutException) {
        return "no_answer_within_" + ANSWER_TIMEOUT_MS + "ms";
      }
      closedAfter.recordNanos(System.nanoTime() - written);
      return e.getCause() instanceof EOFException ? "closed_without_close_frame" : "reset";
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
}
