package io.lockstep.admin;

import io.lockstep.config.ConsoleConfig.Thresholds;
import io.lockstep.ops.Figure;
import io.lockstep.store.AdminStore;
import io.lockstep.store.PushStore;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.Locale;

/**
 * What is beyond a threshold right now, for the overview: each warning a sentence, the figure's id,
 * its value and threshold, the node it concerns (if one) and the console view that explains it.
 * Node figures come from the nodes' newest samples; device counts and the outbox depth from
 * PostgreSQL, asked at most once per {@code refreshMs} per instance (every open console refreshes).
 * Confined to one event loop.
 */
final class Warnings {

  private final Thresholds thresholds;
  private final AdminStore store;
  private final PushStore pushes;
  private final long refreshMs;
  private Future<JsonObject> counts;
  private long countedAt;

  Warnings(Thresholds thresholds, AdminStore store, PushStore pushes, long refreshMs) {
    this.thresholds = thresholds;
    this.store = store;
    this.pushes = pushes;
    this.refreshMs = refreshMs;
  }

  Future<JsonArray> current(List<JsonObject> nodes) {
    JsonArray warnings = new JsonArray();
    for (JsonObject node : nodes) {
      nodeWarnings(node, warnings);
    }
    return counts().map(counted -> {
      above(warnings, "device_lag", counted.getLong("lagging"), 0, "health",
          plural(counted.getLong("lagging"), "device is", "devices are") + " more than " + thresholds.deviceLag()
              + " events behind", null);
      above(warnings, "devices_behind_retention", counted.getLong("behind_retention"), thresholds.devicesBehindRetention(),
          "health", plural(counted.getLong("behind_retention"), "device is", "devices are")
              + " behind the retention window (they will get a reset)", null);
      above(warnings, "divergent_devices", counted.getLong("divergent"), thresholds.divergentDevices(), "health",
          plural(counted.getLong("divergent"), "device", "devices") + " reported a divergent state in the last 30 minutes",
          null);
      above(warnings, "outbox_depth", counted.getLong("outbox"), thresholds.outboxDepth(), "push",
          plural(counted.getLong("outbox"), "push is", "pushes are") + " waiting in the outbox", null);
      return warnings;
    });
  }

  private void nodeWarnings(JsonObject node, JsonArray warnings) {
    String id = node.getString("node");
    nodeFigure(warnings, node, Figure.DELIVERY_P99, thresholds.deliveryP99Ms(), "nodes", "delivery p99 is %s ms");
    nodeFigure(warnings, node, Figure.READ_P99, thresholds.readPropagationP99Ms(), "nodes",
        "read propagation p99 is %s ms");
    nodeFigure(warnings, node, Figure.EVENT_LOOP_LAG, thresholds.eventLoopLagMs(), "nodes",
        "an event loop ran %s ms late");
    nodeFigure(warnings, node, Figure.ERROR_RATE, thresholds.errorRate(), "nodes",
        "%s Redis or PostgreSQL errors per second");
    nodeFigure(warnings, node, Figure.ACK_FAILURE_RATE, thresholds.ackFailureRate(), "health",
        "%s acks refused or failed per second");
    nodeFigure(warnings, node, Figure.SLOW_CONSUMER_RATE, thresholds.slowConsumerRate(), "nodes",
        "%s slow consumers closed per second");
    nodeFigure(warnings, node, Figure.PUSH_FAILURE_RATE, thresholds.pushFailureRate(), "push",
        "%s pushes failed per second");
    double heapMax = value(node, Figure.HEAP_MAX);
    if (heapMax > 0) {
      double percent = Math.round(100 * value(node, Figure.HEAP_USED) / heapMax);
      above(warnings, "heap_percent", percent, thresholds.heapPercent(), "nodes",
          "heap is " + number(percent) + " % full (threshold " + number(thresholds.heapPercent()) + " %)", id);
    }
  }

  /** A node's figure above its threshold; the sentence has a %s for the value. */
  private static void nodeFigure(JsonArray warnings, JsonObject node, Figure figure, double threshold, String view,
                                 String sentence) {
    double value = value(node, figure);
    above(warnings, figure.key(), value, threshold, view,
        String.format(Locale.ROOT, sentence, number(value)) + " (threshold " + number(threshold) + ")",
        node.getString("node"));
  }

  private Future<JsonObject> counts() {
    long now = System.currentTimeMillis();
    if (counts == null || now - countedAt >= refreshMs) {
      countedAt = now;
      counts = Future.all(store.deviceCounts(thresholds.deviceLag()), pushes.depth())
          .map(both -> both.<JsonObject>resultAt(0).put("outbox", both.<Long>resultAt(1)));
      counts.onFailure(failure -> counts = null);
    }
    return counts;
  }

  private static void above(JsonArray warnings, String id, double value, double threshold, String view, String text,
                            String node) {
    if (value > threshold) {
      warnings.add(new JsonObject().put("id", id).put("value", value).put("threshold", threshold).put("view", view)
          .put("node", node).put("text", (node == null ? "" : "Node " + node + ": ") + capitalised(text)));
    }
  }

  private static double value(JsonObject node, Figure figure) {
    return node.getDouble(figure.key(), 0.0);
  }

  private static String plural(long count, String one, String many) {
    return count + " " + (count == 1 ? one : many);
  }

  private static String number(double value) {
    return value == Math.rint(value) ? String.valueOf((long) value) : String.format(Locale.ROOT, "%.2f", value);
  }

  private static String capitalised(String text) {
    return text.isEmpty() ? text : Character.toUpperCase(text.charAt(0)) + text.substring(1);
  }
}
