package io.lockstep.admin;

import io.lockstep.config.ConsoleConfig;
import io.lockstep.ops.ClusterHistory;
import io.lockstep.ops.NodeStats;
import io.lockstep.presence.PresenceRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The overview's figures: each node's newest sample (from Redis), the cluster's totals, the warnings,
 * and the charts' history, asked of every node over the event bus and merged on one time axis. A node
 * that does not answer within {@value #ASK_MS} ms is listed as missing rather than failing the view.
 */
final class ClusterFigures {

  private static final long ASK_MS = 2000;

  private final AdminHttp http;
  private final Vertx vertx;
  private final PresenceRegistry presence;
  private final ConsoleConfig console;
  private final Warnings warnings;
  private final boolean clustered;
  private final String nodeId;

  ClusterFigures(AdminHttp http, Vertx vertx, PresenceRegistry presence, ConsoleConfig console, Warnings warnings,
                 boolean clustered, String nodeId) {
    this.http = http;
    this.vertx = vertx;
    this.presence = presence;
    this.console = console;
    this.warnings = warnings;
    this.clustered = clustered;
    this.nodeId = nodeId;
  }

  void overview(RoutingContext ctx) {
    http.respond(ctx, nodes().compose(nodes -> warnings.current(nodes).map(current -> {
      long connections = 0;
      long online = 0;
      double rate = 0;
      for (JsonObject node : nodes) {
        connections += node.getLong("connections", 0L);
        online += node.getLong("devices_online", 0L);
        rate += node.getDouble("send_rate", 0.0);
      }
      return new JsonObject().put("nodes", new JsonArray(List.copyOf(nodes))).put("clustered", clustered)
          .put("connections", connections).put("devices_online", online).put("send_rate", rate)
          .put("served_by", nodeId).put("interval_ms", console.sampleInterval().toMillis())
          .put("history_minutes", Math.max(1, console.history().toMinutes()))
          .put("warnings", current).put("thresholds", console.thresholds().toJson());
    })));
  }

  /**
   * {@code ?minutes=} (1 to the configured history, default 5) of every node's figures, or only the
   * buckets after {@code ?since=} (epoch ms, the newest bucket the browser has).
   */
  void history(RoutingContext ctx) {
    long maxMinutes = Math.max(1, console.history().toMinutes());
    long minutes = AdminHttp.longParam(ctx, "minutes", Math.min(5, maxMinutes), 1, maxMinutes);
    long since = AdminHttp.longParam(ctx, "since", 0, 0, Long.MAX_VALUE);
    long now = System.currentTimeMillis();
    long after = Math.max(since, now - minutes * 60_000);
    long interval = console.sampleInterval().toMillis();
    http.respond(ctx, nodes().compose(nodes -> {
      Set<String> ids = new LinkedHashSet<>();
      ids.add(nodeId);
      nodes.forEach(node -> ids.add(node.getString("node")));
      Map<String, Future<Message<JsonObject>>> asked = new LinkedHashMap<>();
      ids.forEach(id -> asked.put(id, vertx.eventBus().request(NodeStats.historyAddress(id),
          new JsonObject().put("since", after - interval), new DeliveryOptions().setSendTimeout(ASK_MS))));
      return Future.join(new ArrayList<>(asked.values())).transform(done -> {
        Map<String, JsonObject> answered = new LinkedHashMap<>();
        JsonArray missing = new JsonArray();
        asked.forEach((id, answer) -> {
          if (answer.succeeded()) {
            answered.put(id, answer.result().body());
          } else {
            missing.add(id);
          }
        });
        return Future.succeededFuture(ClusterHistory.merge(answered, interval, after, System.currentTimeMillis())
            .put("minutes", minutes).put("missing", missing));
      });
    }));
  }

  /** The newest sample of every node that reported within three intervals. */
  private Future<List<JsonObject>> nodes() {
    return presence.nodeStats(3 * console.sampleInterval().toMillis() + 2000);
  }
}
