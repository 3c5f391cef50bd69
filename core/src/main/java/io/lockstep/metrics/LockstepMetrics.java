package io.lockstep.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Lockstep's own signals, registered on one Micrometer registry per server. Per-device figures
 * (duplicate sends, cursors) are kept in PostgreSQL, not as metric labels, so cardinality stays flat.
 * The names are the ones docs/operations.md gives (DocumentedMetricsTest holds them to it): counts
 * such as sync lag carry no base unit, which the Prometheus registry would append to the name.
 */
public final class LockstepMetrics {

  private final MeterRegistry registry;
  private final AtomicInteger liveConnections = new AtomicInteger();
  private final AtomicInteger devicesOnline = new AtomicInteger();
  private final AtomicLong devicesBehindRetention = new AtomicLong();
  private final AtomicLong pushOutboxDepth = new AtomicLong();
  private final List<Meter> gauges = new ArrayList<>();
  public final Counter eventsWritten;
  public final Counter streamEventsWritten;
  public final Counter messagesSent;
  public final Counter duplicateSends;
  public final Counter deliveryFallbacks;
  public final Counter deliveriesReceived;
  public final Counter redisErrors;
  public final Counter postgresErrors;
  public final Counter resetsSent;
  public final Counter ackFailures;
  public final Counter readsUnchanged;
  public final Counter settingsShadowed;
  public final Counter stateDivergence;
  public final Timer readPropagation;
  public final Timer deliveryLatency;
  public final DistributionSummary syncLag;
  public final DistributionSummary devicesPerUser;
  public final DistributionSummary sendBatch;
  public final Counter bytesWritten;
  public final Counter pushEnqueued;
  public final Counter pushCoalesced;
  public final Counter pushSkippedLive;
  public final Counter pushSkippedRead;
  public final Timer pushLatency;

  public LockstepMetrics(MeterRegistry registry) {
    this.registry = registry;
    gauges.add(Gauge.builder("lockstep.connections.live", liveConnections, AtomicInteger::get)
        .description("Open client connections on this node").register(registry));
    gauges.add(Gauge.builder("lockstep.devices.online", devicesOnline, AtomicInteger::get)
        .description("Devices with a greeted connection on this node").register(registry));
    gauges.add(Gauge.builder("lockstep.devices.behind.retention", devicesBehindRetention, AtomicLong::get)
        .description("Devices whose cursor is below their user's retention floor (they will get a reset)")
        .register(registry));
    eventsWritten = counter("lockstep.events.written", "Events appended to user logs");
    streamEventsWritten = counter("lockstep.stream.events.written", "Messages written once to the stream of a large conversation");
    messagesSent = counter("lockstep.messages.sent", "Messages committed (each lands in every member's log)");
    duplicateSends = counter("lockstep.sends.duplicate", "Sends answered from the idempotency key instead of written again");
    deliveryFallbacks = counter("lockstep.delivery.fallback", "Live deliveries broadcast to all nodes because Redis routing failed");
    deliveriesReceived = counter("lockstep.deliveries.received", "Users' live event batches this node received for its connections");
    redisErrors = counter("lockstep.redis.errors", "Failed Redis commands");
    postgresErrors = counter("lockstep.postgres.errors", "Failed PostgreSQL requests");
    resetsSent = counter("lockstep.resets.sent", "Snapshots sent because a device was behind the retention floor");
    ackFailures = counter("lockstep.cursor.advance.failures", "Acks rejected or failed");
    settingsShadowed = counter("lockstep.settings.shadowed",
        "Account setting changes that a device keeps its own value over (local versus account conflicts)");
    List.of("drained", "drain_deadline", "idle").forEach(this::expired);
    stateDivergence = counter("lockstep.state.divergence",
        "Repairs asked by devices whose state digest differed from the server's (local state that drifted)");
    readsUnchanged = counter("lockstep.readstate.reads.unchanged", "Read frames that changed nothing");
    readPropagation = Timer.builder("lockstep.readstate.propagation")
        .description("From a read frame arriving to its read_state event reaching each other online device of the user")
        .publishPercentiles(0.5, 0.99)
        .publishPercentileHistogram()
        .register(registry);
    deliveryLatency = Timer.builder("lockstep.delivery.latency")
        .description("From a live event's commit to its frame being written to a device's connection")
        .publishPercentiles(0.5, 0.99)
        .publishPercentileHistogram()
        .register(registry);
    syncLag = DistributionSummary.builder("lockstep.sync.lag")
        .description("Events a device is behind (head minus cursor) when it connects")
        .publishPercentileHistogram()
        .register(registry);
    devicesPerUser = DistributionSummary.builder("lockstep.devices.per.user")
        .description("Active devices of a user, recorded at each device registration")
        .publishPercentileHistogram()
        .register(registry);
    sendBatch = DistributionSummary.builder("lockstep.send.batch")
        .description("Sends committed together to one conversation (group commit): 1 when it was not busy")
        .publishPercentileHistogram()
        .maximumExpectedValue(32.0)
        .register(registry);
    bytesWritten = counter("lockstep.bytes.written", "Bytes of frames written to client connections");
    gauges.add(Gauge.builder("lockstep.push.outbox.depth", pushOutboxDepth, AtomicLong::get)
        .description("Pushes waiting in the cluster's outbox (pending or being sent); every node reports the same figure")
        .register(registry));
    pushEnqueued = counter("lockstep.push.enqueued", "Pushes added to the outbox for devices that are not connected");
    pushCoalesced = counter("lockstep.push.coalesced", "Events folded into a device's pending push instead of a new one");
    pushSkippedRead = counter("lockstep.push.skipped.read",
        "Due message pushes dropped because the message had been read on another device by then");
    pushSkippedLive = counter("lockstep.push.skipped.live", "Due pushes dropped because the device was connected by then");
    pushLatency = Timer.builder("lockstep.push.latency")
        .description("From a push entering the outbox to its provider accepting it")
        .publishPercentiles(0.5, 0.99)
        .register(registry);
  }

  /**
   * A request, connection or sign-in refused by a limit (the label names it: sends_user, upgrades_ip,
   * slow_consumer, ...). Meters are cached by the registry, so this costs a lookup, not a registration.
   */
  public void rateLimited(String limit) {
    Counter.builder("lockstep.rate.limited").description("Requests, connections and sign-ins refused by a limit")
        .tag("limit", limit).register(registry).increment();
  }

  /** Registers the refusal counters at zero, so that an alert on their rate sees a series from the start. */
  public void rateLimits(java.util.Collection<String> limits) {
    limits.forEach(limit -> Counter.builder("lockstep.rate.limited")
        .description("Requests, connections and sign-ins refused by a limit").tag("limit", limit).register(registry));
  }

  /** Token churn: registered, replaced, moved, unregistered, pruned. */
  /** A device revoked by the lifecycle sweep: drained, drain_deadline or idle. */
  public void deviceExpired(String reason) {
    expired(reason).increment();
  }

  private Counter expired(String reason) {
    return Counter.builder("lockstep.devices.expired").description("Devices the lifecycle sweep revoked, by reason")
        .tag("reason", reason).register(registry);
  }

  public void pushToken(String event) {
    Counter.builder("lockstep.push.tokens").description("Push token changes by kind (token churn)")
        .tag("event", event).register(registry).increment();
  }

  /** A provider's answer to one push: sent, retry, dead_token, failed (or no_provider, timeout). */
  public void pushOutcome(String provider, String outcome) {
    Counter.builder("lockstep.push.outcomes").description("Push attempts by provider and outcome")
        .tag("provider", provider).tag("outcome", outcome).register(registry).increment();
  }

  public void pushOutboxDepth(long depth) {
    pushOutboxDepth.set(depth);
  }

  public long pushOutboxDepth() {
    return pushOutboxDepth.get();
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

  public void deviceOnline() {
    devicesOnline.incrementAndGet();
  }

  public void deviceOffline() {
    devicesOnline.decrementAndGet();
  }

  public int devicesOnline() {
    return devicesOnline.get();
  }

  public void devicesBehindRetention(long count) {
    devicesBehindRetention.set(count);
  }

  /** Removes this server's gauges, whose state dies with it (a restarted server registers new ones). */
  public void close() {
    gauges.forEach(registry::remove);
  }
}
