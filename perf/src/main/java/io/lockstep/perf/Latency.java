package io.lockstep.perf;

import io.vertx.core.json.JsonObject;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/** A latency distribution in microseconds (HdrHistogram), safe to record from several event loops. */
public final class Latency {

  private final Histogram histogram = new ConcurrentHistogram(3_600_000_000L, 3);

  public void recordNanos(long nanos) {
    histogram.recordValue(Math.max(0, nanos / 1000));
  }

  public long count() {
    return histogram.getTotalCount();
  }

  public double millis(double percentile) {
    return histogram.getValueAtPercentile(percentile) / 1000.0;
  }

  public double maxMillis() {
    return histogram.getMaxValue() / 1000.0;
  }

  public JsonObject toJson() {
    return new JsonObject()
        .put("count", count())
        .put("p50_ms", round(millis(50)))
        .put("p99_ms", round(millis(99)))
        .put("p999_ms", round(millis(99.9)))
        .put("max_ms", round(maxMillis()));
  }

  public String summary() {
    return String.format("p50 %.2f ms  p99 %.2f ms  p99.9 %.2f ms  max %.2f ms  (n=%d)",
        millis(50), millis(99), millis(99.9), maxMillis(), count());
  }

  static double round(double value) {
    return Math.round(value * 100) / 100.0;
  }
}
