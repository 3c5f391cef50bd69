package io.lockstep.connection;

import io.lockstep.config.LimitsConfig;
import io.vertx.core.Vertx;

import java.util.ArrayList;
import java.util.List;

/**
 * The one way out of a connection: every reply, error, event, catch-up page and snapshot is written
 * here, which counts the bytes not yet handed to the operating system. Once the queue passes the
 * high-water mark the session stops reading its socket and stops fetching, until the queue is down
 * to half the mark; then what waited for the drain runs. A consumer that does not drain within the
 * slow-consumer timeout, or lets the queue pass its maximum, is reported once so that the session
 * can close it (4008).
 *
 * <p>Confined to the connection's event loop.
 */
final class Outbound {

  /** What the session learns from its queue. */
  interface Listener {
    /** The queue crossed the high-water mark, up or down. */
    void pressureChanged();

    /** The client reads too slowly: the queue stayed above the mark too long or passed its maximum. */
    void slowConsumer();
  }

  private final Vertx vertx;
  private final FrameChannel channel;
  private final LimitsConfig.Outbound limits;
  private final Listener listener;
  private final List<Runnable> whenDrained = new ArrayList<>(2);
  private long queuedBytes;
  private boolean above;
  private long slowTimer = -1;
  private boolean reportedSlow;

  Outbound(Vertx vertx, FrameChannel channel, LimitsConfig.Outbound limits, Listener listener) {
    this.vertx = vertx;
    this.channel = channel;
    this.limits = limits;
    this.listener = listener;
  }

  /**
   * Queues one frame. A frame is refused only when the queue is already past its maximum (the
   * consumer is then reported), so that one large frame (a snapshot) can go out on an empty queue.
   */
  boolean write(String frame) {
    if (queuedBytes > limits.maxBytes()) {
      reportSlow();
      return false;
    }
    long bytes = utf8Length(frame);
    queuedBytes += bytes;
    channel.write(frame).onComplete(done -> written(bytes));
    if (!above && queuedBytes > limits.highWaterBytes()) {
      above = true;
      slowTimer = vertx.setTimer(limits.slowConsumerTimeout().toMillis(), id -> {
        slowTimer = -1;
        if (above) {
          reportSlow();
        }
      });
      listener.pressureChanged();
    }
    return true;
  }

  private void written(long bytes) {
    queuedBytes -= bytes;
    if (queuedBytes > lowWater()) {
      return;
    }
    if (above) {
      above = false;
      cancelTimer();
      listener.pressureChanged();
    }
    if (!whenDrained.isEmpty()) {
      List<Runnable> actions = List.copyOf(whenDrained);
      whenDrained.clear();
      actions.forEach(Runnable::run);
    }
  }

  /** Where a queue that passed the high-water mark counts as drained again: half the mark. */
  private long lowWater() {
    return limits.highWaterBytes() / 2;
  }

  /**
   * Passed the high-water mark and not yet drained to half of it: read nothing more from the client,
   * fetch nothing more for it.
   */
  boolean aboveHighWater() {
    return above;
  }

  /** Runs the action once the queue is down to half the high-water mark (at once if it is). */
  void whenDrained(Runnable action) {
    if (queuedBytes <= lowWater()) {
      action.run();
    } else if (!whenDrained.contains(action)) {
      whenDrained.add(action);
    }
  }

  long queuedBytes() {
    return queuedBytes;
  }

  void close() {
    cancelTimer();
    whenDrained.clear();
  }

  private void reportSlow() {
    if (!reportedSlow) {
      reportedSlow = true;
      listener.slowConsumer();
    }
  }

  private void cancelTimer() {
    if (slowTimer != -1) {
      vertx.cancelTimer(slowTimer);
      slowTimer = -1;
    }
  }

  /** The frame's size in UTF-8 without encoding it. */
  static long utf8Length(String text) {
    long bytes = text.length();
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c >= 0x80) {
        bytes += c < 0x800 ? 1 : Character.isSurrogate(c) ? 1 : 2;
      }
    }
    return bytes;
  }
}
