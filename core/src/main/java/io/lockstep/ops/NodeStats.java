package io.lockstep.ops;

import io.lockstep.config.ConsoleConfig;
import io.lockstep.metrics.LockstepMetrics;
import io.lockstep.presence.PresenceRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;

/**
 * This node's figures for the console: every sample interval it samples them ({@link NodeFigures}),
 * keeps them in its history ring ({@link NodeHistory}) and publishes the newest, with its version
 * and start time, to Redis for the overview. Other nodes ask for its history on
 * {@code lockstep.node.<nodeId>.history} with {@code {since}} (epoch ms) and get the samples taken
 * after it.
 */
public final class NodeStats {

  private final Vertx vertx;
  private final PresenceRegistry presence;
  private final String nodeId;
  private final ConsoleConfig console;
  private final NodeFigures figures;
  private final NodeHistory history;
  private final long started = System.currentTimeMillis();
  private MessageConsumer<JsonObject> historyRequests;
  private long timer = -1;

  public NodeStats(Vertx vertx, PresenceRegistry presence, LockstepMetrics metrics, EventLoopLag loopLag,
                   String nodeId, ConsoleConfig console) {
    this.vertx = vertx;
    this.presence = presence;
    this.nodeId = nodeId;
    this.console = console;
    this.figures = new NodeFigures(metrics, loopLag);
    this.history = new NodeHistory(console.samples());
  }

  public static String historyAddress(String nodeId) {
    return "lockstep.node." + nodeId + ".history";
  }

  public Future<Void> start() {
    historyRequests = vertx.eventBus().consumer(historyAddress(nodeId),
        request -> request.reply(history.since(request.body().getLong("since", 0L))));
    return historyRequests.completion().onSuccess(v -> {
      sample();
      timer = vertx.setPeriodic(console.sampleInterval().toMillis(), id -> sample());
    });
  }

  public Future<Void> stop() {
    vertx.cancelTimer(timer);
    return historyRequests == null ? Future.succeededFuture() : historyRequests.unregister();
  }

  private void sample() {
    long now = System.currentTimeMillis();
    double[] values = figures.sample(now);
    history.add(now, values);
    presence.publishNodeStats(snapshot(now, values));
  }

  private JsonObject snapshot(long now, double[] values) {
    JsonObject snapshot = new JsonObject()
        .put("node", nodeId)
        .put("version", BuildInfo.version())
        .put("started", started)
        .put("updated", now)
        .put("interval_ms", console.sampleInterval().toMillis());
    for (Figure figure : Figure.values()) {
      snapshot.put(figure.key(), values[figure.ordinal()]);
    }
    return snapshot;
  }
}
