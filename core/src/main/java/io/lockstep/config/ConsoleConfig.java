package io.lockstep.config;

import io.lockstep.plugin.ConfigTree;
import io.vertx.core.json.JsonObject;

import java.time.Duration;

/**
 * The console's figures: how often each node samples its own figures and how long it keeps them in
 * memory (the charts' history), and the thresholds past which the console marks a figure as a warning.
 */
public record ConsoleConfig(Duration history, Duration sampleInterval, Thresholds thresholds) {

  /** More samples than this per node is a configuration mistake (an hour at 1 s is 3,600). */
  static final long MAX_SAMPLES = 100_000;

  /**
   * Where a figure turns into a warning; the defaults follow the suggested alerts of docs/operations.md.
   * Rates are per second on one node; a count is a warning when it is above its threshold.
   */
  public record Thresholds(long deviceLag, long devicesBehindRetention, long divergentDevices, long outboxDepth,
                           double errorRate, double ackFailureRate, double slowConsumerRate, double pushFailureRate,
                           double deliveryP99Ms, double readPropagationP99Ms, double eventLoopLagMs, double heapPercent) {

    /** The thresholds as the console's API hands them to the browser. */
    public JsonObject toJson() {
      return new JsonObject().put("device_lag", deviceLag).put("devices_behind_retention", devicesBehindRetention)
          .put("divergent_devices", divergentDevices).put("outbox_depth", outboxDepth).put("error_rate", errorRate)
          .put("ack_failure_rate", ackFailureRate).put("slow_consumer_rate", slowConsumerRate)
          .put("push_failure_rate", pushFailureRate).put("delivery_p99_ms", deliveryP99Ms)
          .put("read_propagation_p99_ms", readPropagationP99Ms).put("event_loop_lag_ms", eventLoopLagMs)
          .put("heap_percent", heapPercent);
    }
  }

  /** How many samples each node keeps. */
  public int samples() {
    return (int) (history.toMillis() / sampleInterval.toMillis());
  }

  static ConsoleConfig from(ConfigTree admin) {
    Duration interval = admin.duration("sample_interval");
    Duration history = admin.duration("history");
    if (interval.toMillis() < 100) {
      throw admin.invalid("sample_interval", "must be at least 100ms");
    }
    if (history.compareTo(interval) < 0) {
      throw admin.invalid("history", "must be at least sample_interval (" + interval.toMillis() + "ms)");
    }
    if (history.toMillis() / interval.toMillis() > MAX_SAMPLES) {
      throw admin.invalid("history", "keeps more than " + MAX_SAMPLES + " samples at this sample_interval");
    }
    ConfigTree limits = admin.section("thresholds");
    return new ConsoleConfig(history, interval, new Thresholds(
        count(limits, "device_lag"), count(limits, "devices_behind_retention"), count(limits, "divergent_devices"),
        count(limits, "outbox_depth"),
        number(limits, "error_rate"), number(limits, "ack_failure_rate"), number(limits, "slow_consumer_rate"),
        number(limits, "push_failure_rate"), number(limits, "delivery_p99_ms"), number(limits, "read_propagation_p99_ms"),
        number(limits, "event_loop_lag_ms"), number(limits, "heap_percent")));
  }

  private static long count(ConfigTree tree, String key) {
    long value = tree.longValue(key);
    if (value < 0) {
      throw tree.invalid(key, "must be a whole number of at least 0, not " + value);
    }
    return value;
  }

  /** A number of at least zero (whole or not); from the environment it arrives as text. */
  private static double number(ConfigTree tree, String key) {
    String text = tree.string(key);
    double value;
    try {
      value = Double.parseDouble(text);
    } catch (NumberFormatException e) {
      value = Double.NaN;
    }
    if (!Double.isFinite(value) || value < 0) {
      throw tree.invalid(key, "must be a number of at least 0, not '" + text + "'");
    }
    return value;
  }
}
