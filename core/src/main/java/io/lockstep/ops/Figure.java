package io.lockstep.ops;

/**
 * One figure a node samples for the console, with its name in the API and how the figures of several
 * nodes combine into the cluster's: summed (traffic, connections, error rates) or the worst node's
 * (latencies, event-loop lag, CPU, outbox depth, which every node reports alike).
 */
public enum Figure {
  CONNECTIONS("connections", Merge.SUM),
  DEVICES_ONLINE("devices_online", Merge.SUM),
  SEND_RATE("send_rate", Merge.SUM),
  EVENT_RATE("event_rate", Merge.SUM),
  BYTES_RATE("bytes_rate", Merge.SUM),
  DELIVERY_P50("delivery_p50_ms", Merge.MAX),
  DELIVERY_P99("delivery_p99_ms", Merge.MAX),
  READ_P50("read_propagation_p50_ms", Merge.MAX),
  READ_P99("read_propagation_p99_ms", Merge.MAX),
  ERROR_RATE("error_rate", Merge.SUM),
  ACK_FAILURE_RATE("ack_failure_rate", Merge.SUM),
  SLOW_CONSUMER_RATE("slow_consumer_rate", Merge.SUM),
  PUSH_FAILURE_RATE("push_failure_rate", Merge.SUM),
  OUTBOX_DEPTH("outbox_depth", Merge.MAX),
  HEAP_USED("heap_used_bytes", Merge.SUM),
  HEAP_MAX("heap_max_bytes", Merge.SUM),
  CPU("cpu", Merge.MAX),
  EVENT_LOOP_LAG("event_loop_lag_ms", Merge.MAX);

  /** How the nodes' values of one interval make the cluster's. */
  public enum Merge { SUM, MAX }

  private final String key;
  private final Merge merge;

  Figure(String key, Merge merge) {
    this.key = key;
    this.merge = merge;
  }

  public String key() {
    return key;
  }

  public Merge merge() {
    return merge;
  }
}
