package io.lockstep.connection;

import io.lockstep.limits.Refusal;
import io.lockstep.metrics.LockstepMetrics;
import io.vertx.core.Future;

import java.util.function.BooleanSupplier;

/**
 * Reads a connection's socket only while its client keeps up: its outbound queue is under the
 * high-water mark, its requests in flight under their limit, its pages (sync) in flight under
 * {@value #MAX_PAGES_IN_FLIGHT}, and no frame limit asked it to wait. Otherwise the socket is paused
 * and TCP pushes back. Confined to the connection's event loop.
 */
final class ReadGate {

  /** Explicit pages (sync) served at once per connection; each may be about 256 KiB. */
  static final int MAX_PAGES_IN_FLIGHT = 2;

  /** Pauses or resumes reading the socket. */
  @FunctionalInterface
  interface Switch {
    void paused(boolean paused);
  }

  private final Switch socket;
  private final Clock clock;
  private final BooleanSupplier outboundFull;
  private final int maxInFlight;
  private final LockstepMetrics metrics;

  private int inFlight;
  private int pagesInFlight;
  private boolean paused;
  private long limitedUntil;
  private boolean closed;

  ReadGate(Switch socket, Clock clock, BooleanSupplier outboundFull, int maxInFlight, LockstepMetrics metrics) {
    this.socket = socket;
    this.clock = clock;
    this.outboundFull = outboundFull;
    this.maxInFlight = maxInFlight;
    this.metrics = metrics;
  }

  /** Counts a request until it is answered; at the limit the socket is not read until one completes. */
  void track(Future<?> served) {
    inFlight++;
    if (inFlight == maxInFlight) {
      metrics.rateLimited(Refusal.IN_FLIGHT);
      update();
    }
    served.onComplete(done -> {
      inFlight--;
      update();
    });
  }

  /** Counts a page (sync) until it is answered; answers the page. */
  Future<?> trackPage(Future<?> page) {
    pagesInFlight++;
    update();
    page.onComplete(done -> {
      pagesInFlight--;
      update();
    });
    return page;
  }

  /** Reads nothing more from the socket for this long (a frame limit was reached). */
  void pauseFor(long millis) {
    long until = clock.now() + Math.max(1, millis);
    if (until <= limitedUntil) {
      return;
    }
    limitedUntil = until;
    update();
    clock.setTimer(Math.max(1, millis), this::update);
  }

  /** Pauses or resumes the socket as the conditions now say; called when the outbound pressure changes. */
  void update() {
    if (closed) {
      return;
    }
    boolean pause = outboundFull.getAsBoolean() || inFlight >= maxInFlight
        || pagesInFlight >= MAX_PAGES_IN_FLIGHT
        || clock.now() < limitedUntil;
    if (pause != paused) {
      paused = pause;
      socket.paused(pause);
    }
  }

  /** The connection closed: the socket is left as it is. */
  void close() {
    closed = true;
  }
}
