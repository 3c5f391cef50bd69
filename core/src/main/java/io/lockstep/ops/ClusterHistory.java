package io.lockstep.ops;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Puts the histories of several nodes (each {@link NodeHistory#since} columns) on one time axis of
 * sample-interval buckets, and merges them into the cluster's figures (each {@link Figure}'s
 * {@link Figure.Merge}). Only complete buckets are answered, those every node has had the time to
 * sample, so a browser that asks again from its newest bucket never sees a bucket change.
 * A node missing from a single bucket (its timer slipped into the next one) keeps its previous
 * value in the cluster's figures, so that the cluster's sums do not dip for a late timer.
 */
public final class ClusterHistory {

  private ClusterHistory() {
  }

  /**
   * Buckets starting after {@code afterMs} and complete at {@code nowMs}:
   * {@code {interval_ms, t: [bucket start ms...], cluster: {figure: [...]}, nodes: {node: {figure: [...]}}}},
   * a node's value null where it has no sample.
   */
  public static JsonObject merge(Map<String, JsonObject> byNode, long intervalMs, long afterMs, long nowMs) {
    long grace = Math.min(1000, intervalMs / 2);
    TreeSet<Long> buckets = new TreeSet<>();
    Map<String, TreeMap<Long, Integer>> slots = new TreeMap<>();
    byNode.forEach((node, columns) -> {
      TreeMap<Long, Integer> bySlot = new TreeMap<>();
      JsonArray times = columns.getJsonArray("t", new JsonArray());
      for (int i = 0; i < times.size(); i++) {
        long bucket = Math.floorDiv(times.getLong(i), intervalMs) * intervalMs;
        if (bucket > afterMs && bucket + intervalMs + grace <= nowMs) {
          buckets.add(bucket);
          bySlot.put(bucket, i);
        }
      }
      slots.put(node, bySlot);
    });
    JsonArray t = new JsonArray();
    buckets.forEach(t::add);
    JsonObject nodes = new JsonObject();
    JsonObject cluster = new JsonObject();
    for (Figure figure : Figure.values()) {
      Double[] merged = new Double[buckets.size()];
      slots.forEach((node, bySlot) -> {
        JsonArray values = byNode.get(node).getJsonArray(figure.key(), new JsonArray());
        JsonArray column = new JsonArray();
        int b = 0;
        Double previous = null;
        for (long bucket : buckets) {
          Integer index = bySlot.get(bucket);
          Double value = index == null || index >= values.size() ? null : values.getDouble(index);
          column.add(value);
          Double counted = value != null ? value : previous;
          if (counted != null) {
            merged[b] = merged[b] == null ? counted
                : figure.merge() == Figure.Merge.SUM ? merged[b] + counted : Math.max(merged[b], counted);
          }
          previous = value;
          b++;
        }
        nodes.put(node, nodes.getJsonObject(node, new JsonObject()).put(figure.key(), column));
      });
      JsonArray clusterColumn = new JsonArray();
      for (Double value : merged) {
        clusterColumn.add(value == null ? null : NodeFigures.round(value));
      }
      cluster.put(figure.key(), clusterColumn);
    }
    return new JsonObject().put("interval_ms", intervalMs).put("t", t).put("cluster", cluster).put("nodes", nodes);
  }
}
