package io.lockstep.ops;

import io.lockstep.metrics.LockstepMetrics;
import io.lockstep.presence.PresenceRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.ValueAtPercentile;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.util.concurrent.TimeUnit;

/**
 * Every two seconds, publishes this node's live figures to Redis for the console's overview:
 * connections, devices online, send rate and the delivery and read-propagation latency percentiles.
 */
public final class NodeStats {

  public static final long INTERVAL_MS = 2000;

  private final Vertx vertx;
  private final PresenceRegistry presence;
  private final LockstepMetrics metrics;
  private final String nodeId;
  private final long started = System.currentTimeMillis();
  private long timer = -1;
  private double lastSent;
  private long lastAt = System.currentTimeMillis();

  public NodeStats(Vertx vertx, PresenceRegistry presence, LockstepMetrics metrics, String nodeId) {
    this.vertx = vertx;
    this.presence = presence;
    this.metrics = metrics;
    this.nodeId = nodeId;
  }

  public void start() {
    timer = vertx.setPeriodic(1, INTERVAL_MS, id -> presence.publishNodeStats(snapshot()));
  }

  public void stop() {
    vertx.cancelTimer(timer);
  }

  JsonObject snapshot() {
    long now = System.currentTimeMillis();
    double sent = metrics.messagesSent.count();
    double rate = (sent - lastSent) * 1000.0 / Math.max(1, now - lastAt);
    lastSent = sent;
    lastAt = now;
    return new JsonObject()
        .put("node", nodeId)
        .put("started", started)
        .put("updated", now)
        .put("connections", metrics.liveConnections())
        .put("devices_online", metrics.devicesOnline())
        .put("send_rate", Math.round(rate * 10) / 10.0)
        .put("delivery_ms", percentiles(metrics.deliveryLatency))
        .put("read_propagation_ms", percentiles(metrics.readPropagation));
  }

  private static JsonObject percentiles(Timer timer) {
    JsonObject values = new JsonObject();
    for (ValueAtPercentile value : timer.takeSnapshot().percentileValues()) {
      values.put("p" + Math.round(value.percentile() * 100), Math.round(value.value(TimeUnit.MILLISECONDS) * 100) / 100.0);
    }
    return values;
  }
}
