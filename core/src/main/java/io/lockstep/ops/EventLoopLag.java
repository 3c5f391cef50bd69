package io.lockstep.ops;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import io.vertx.core.Vertx;
import io.vertx.core.internal.VertxInternal;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * How late the node's event loops run their work: every {@value #PROBE_MS} ms each event loop is
 * given a task, and the delay between when it was due and when it ran is that loop's lag. Reports
 * the largest lag of any loop over the last window (between one and two windows long), as
 * {@code lockstep_event_loop_lag_seconds} and to the console. A lag of tens of milliseconds means
 * blocking code or an overloaded node: every connection on that loop waits as long.
 *
 * @implNote One self-rescheduling Netty task per event loop of Vert.x's group; recording takes a
 *     lock held for a comparison, ten times a second per loop.
 */
public final class EventLoopLag {

  static final long PROBE_MS = 100;

  private final long windowNanos;
  private final List<ScheduledFuture<?>> probes = new ArrayList<>();
  private long windowStarted = System.nanoTime();
  private long current;
  private long previous;
  private volatile boolean running;

  public EventLoopLag(long windowMs) {
    this.windowNanos = TimeUnit.MILLISECONDS.toNanos(windowMs);
  }

  /** Starts probing every event loop of this Vert.x. */
  public synchronized void start(Vertx vertx) {
    running = true;
    for (EventExecutor loop : ((VertxInternal) vertx).nettyEventLoopGroup()) {
      probe(loop);
    }
  }

  public synchronized void stop() {
    running = false;
    probes.forEach(probe -> probe.cancel(false));
    probes.clear();
  }

  /** Registers the gauge {@code lockstep_event_loop_lag_seconds}; answers it, for removal when the server stops. */
  public Gauge register(MeterRegistry registry) {
    return Gauge.builder("lockstep.event.loop.lag", this, EventLoopLag::seconds)
        .description("The longest an event loop of this node ran a task late, over the last few seconds")
        .baseUnit("seconds").register(registry);
  }

  /** The worst lag of the last window and the current one, in milliseconds. */
  public synchronized double millis() {
    rotate(System.nanoTime());
    return Math.max(current, previous) / 1e6;
  }

  double seconds() {
    return millis() / 1000;
  }

  synchronized void record(long lagNanos) {
    rotate(System.nanoTime());
    current = Math.max(current, lagNanos);
  }

  private void rotate(long now) {
    if (now - windowStarted >= windowNanos) {
      previous = now - windowStarted >= 2 * windowNanos ? 0 : current;
      current = 0;
      windowStarted = now;
    }
  }

  private synchronized void probe(EventExecutor loop) {
    if (!running) {
      return;
    }
    long due = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(PROBE_MS);
    probes.removeIf(ScheduledFuture::isDone);
    probes.add(loop.schedule(() -> {
      record(Math.max(0, System.nanoTime() - due));
      probe(loop);
    }, PROBE_MS, TimeUnit.MILLISECONDS));
  }
}
