package io.lockstep.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * Lockstep's own signals, registered on one Micrometer registry per server. Per-device figures
 * (duplicate sends, cursors) are kept in PostgreSQL, not as metric labels, so cardinality stays flat.
 */
public final class LockstepMetrics {

  private final MeterRegistry registry;
  private final AtomicInteger liveConnections = new AtomicInteger();
  public final Counter eventsWritten;
  public final Counter duplicateSends;
  public final Counter deliveryFallbacks;
  public final Counter deliveriesReceived;
  public final Counter redisErrors;
  public final Counter postgresErrors;
  public final Counter resetsSent;
  public final Counter ackFailures;
  public final Counter readsUnchanged;
  public final Counter settingsShadowed;
  public final Timer readPropagation;

  public LockstepMetrics() {
    this(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
  }

  public LockstepMetrics(MeterRegistry registry) {
    this.registry = registry;
    registry.gauge("lockstep.connections.live", liveConnections);
    eventsWritten = counter("lockstep.events.written", "Events appended to user logs");
    duplicateSends = counter("lockstep.sends.duplicate", "Sends answered from the idempotency key instead of written again");
    deliveryFallbacks = counter("lockstep.delivery.fallback", "Live deliveries broadcast to all nodes because Redis routing failed");
    deliveriesReceived = counter("lockstep.deliveries.received", "Users' live event batches this node received for its connections");
    redisErrors = counter("lockstep.redis.errors", "Failed Redis commands");
    postgresErrors = counter("lockstep.postgres.errors", "Failed PostgreSQL requests");
    resetsSent = counter("lockstep.resets.sent", "Snapshots sent because a device was behind the retention floor");
    ackFailures = counter("lockstep.cursor.advance.failures", "Acks rejected or failed");
    settingsShadowed = counter("lockstep.settings.shadowed",
        "Account setting changes that a device keeps its own value over (local versus account conflicts)");
    readsUnchanged = counter("lockstep.readstate.reads.unchanged", "Read frames that changed nothing");
    readPropagation = Timer.builder("lockstep.readstate.propagation")
        .description("From a read frame arriving to its read_state event reaching each other online device of the user")
        .publishPercentiles(0.5, 0.99)
        .publishPercentileHistogram()
        .register(registry);
  }

  private Counter counter(String name, String description) {
    return Counter.builder(name).description(description).register(registry);
  }

  public MeterRegistry registry() {
    return registry;
  }

  public void connectionOpened() {
    liveConnections.incrementAndGet();
  }

  public void connectionClosed() {
    liveConnections.decrementAndGet();
  }

  public int liveConnections() {
    return liveConnections.get();
  }
}
