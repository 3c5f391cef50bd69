package io.lockstep.ops;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * A node's recent figures in memory: a ring of the last {@code capacity} samples, each a time and one
 * value per {@link Figure}. The oldest sample is overwritten when the ring is full, so the history
 * costs the same after a month as after an hour. Confined to the thread that samples (an event loop),
 * except {@link #since}, which copies under the same lock.
 */
final class NodeHistory {

  private final long[] times;
  private final double[][] values;
  private int next;
  private int size;

  NodeHistory(int capacity) {
    times = new long[capacity];
    values = new double[capacity][];
  }

  synchronized void add(long at, double[] sample) {
    times[next] = at;
    values[next] = sample.clone();
    next = (next + 1) % times.length;
    size = Math.min(size + 1, times.length);
  }

  /** The samples taken after {@code afterMs}, oldest first, as columns: {t: [...], connections: [...], ...}. */
  synchronized JsonObject since(long afterMs) {
    JsonArray t = new JsonArray();
    JsonArray[] columns = new JsonArray[Figure.values().length];
    for (int f = 0; f < columns.length; f++) {
      columns[f] = new JsonArray();
    }
    for (int i = 0; i < size; i++) {
      int slot = (next - size + i + times.length) % times.length;
      if (times[slot] > afterMs) {
        t.add(times[slot]);
        for (int f = 0; f < columns.length; f++) {
          columns[f].add(values[slot][f]);
        }
      }
    }
    JsonObject result = new JsonObject().put("t", t);
    for (Figure figure : Figure.values()) {
      result.put(figure.key(), columns[figure.ordinal()]);
    }
    return result;
  }

  synchronized int size() {
    return size;
  }
}
