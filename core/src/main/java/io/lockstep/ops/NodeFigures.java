package io.lockstep.ops;

import io.lockstep.metrics.LockstepMetrics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.ValueAtPercentile;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Reads this node's figures (see {@link Figure}) from its meters and its JVM. Counters become rates
 * per second over the time since the previous sample, so each call is one interval's worth.
 */
final class NodeFigures {

  private final LockstepMetrics metrics;
  private final EventLoopLag loopLag;
  private final Map<Figure, Double> lastCounts = new EnumMap<>(Figure.class);
  private long lastAt = System.currentTimeMillis();

  NodeFigures(LockstepMetrics metrics, EventLoopLag loopLag) {
    this.metrics = metrics;
    this.loopLag = loopLag;
  }

  /** The figures now, in {@link Figure} order. */
  double[] sample(long now) {
    double seconds = Math.max(1, now - lastAt) / 1000.0;
    lastAt = now;
    MeterRegistry registry = metrics.registry();
    double[] values = new double[Figure.values().length];
    values[Figure.CONNECTIONS.ordinal()] = metrics.liveConnections();
    values[Figure.DEVICES_ONLINE.ordinal()] = metrics.devicesOnline();
    rate(values, Figure.SEND_RATE, metrics.messagesSent.count(), seconds);
    rate(values, Figure.EVENT_RATE, metrics.eventsWritten.count(), seconds);
    rate(values, Figure.BYTES_RATE, metrics.bytesWritten.count(), seconds);
    percentiles(values, metrics.deliveryLatency, Figure.DELIVERY_P50, Figure.DELIVERY_P99);
    percentiles(values, metrics.readPropagation, Figure.READ_P50, Figure.READ_P99);
    rate(values, Figure.ERROR_RATE, metrics.redisErrors.count() + metrics.postgresErrors.count(), seconds);
    rate(values, Figure.ACK_FAILURE_RATE, metrics.ackFailures.count(), seconds);
    rate(values, Figure.SLOW_CONSUMER_RATE,
        sum(registry.find("lockstep.rate.limited").tag("limit", "slow_consumer").counters()), seconds);
    rate(values, Figure.PUSH_FAILURE_RATE,
        sum(registry.find("lockstep.push.outcomes").tag("outcome", "failed").counters()), seconds);
    values[Figure.OUTBOX_DEPTH.ordinal()] = metrics.pushOutboxDepth();
    MemoryUsage heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
    values[Figure.HEAP_USED.ordinal()] = heap.getUsed();
    values[Figure.HEAP_MAX.ordinal()] = heap.getMax() > 0 ? heap.getMax() : heap.getCommitted();
    values[Figure.CPU.ordinal()] = processCpu();
    values[Figure.EVENT_LOOP_LAG.ordinal()] = round(loopLag.millis());
    return values;
  }

  private void rate(double[] values, Figure figure, double count, double seconds) {
    Double last = lastCounts.put(figure, count);
    values[figure.ordinal()] = last == null ? 0 : round(Math.max(0, count - last) / seconds);
  }

  private static void percentiles(double[] values, Timer timer, Figure p50, Figure p99) {
    for (ValueAtPercentile value : timer.takeSnapshot().percentileValues()) {
      Figure figure = value.percentile() == 0.5 ? p50 : value.percentile() == 0.99 ? p99 : null;
      if (figure != null) {
        values[figure.ordinal()] = round(value.value(TimeUnit.MILLISECONDS));
      }
    }
  }

  private static double sum(Iterable<Counter> counters) {
    double total = 0;
    for (Counter counter : counters) {
      total += counter.count();
    }
    return total;
  }

  /** The share of the machine's CPU this process used recently, from 0 to 1 (0 where the JVM cannot say). */
  private static double processCpu() {
    if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
      return round(Math.max(0, os.getProcessCpuLoad()));
    }
    return 0;
  }

  static double round(double value) {
    return Math.round(value * 1000) / 1000.0;
  }
}
