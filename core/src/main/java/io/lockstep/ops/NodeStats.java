package io.lockstep.ops;

import io.lockstep.config.ConsoleConfig;
import io.lockstep.metrics.LockstepMetrics;
import io.lockstep.presence.PresenceRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;

/**
 * This node's figures for the console: once per sample interval it samples them ({@link NodeFigures}),
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
  private volatile boolean running = true;

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
      long now = System.currentTimeMillis();
      presence.publishNodeStats(snapshot(now, figures.sample(now)));
      scheduleNext();
    });
  }

  public Future<Void> stop() {
    running = false;
    vertx.cancelTimer(timer);
    return historyRequests == null ? Future.succeededFuture() : historyRequests.unregister();
  }

  /**
   * Samples in the middle of each interval of wall-clock time and labels the sample with the interval's
   * start, so that the samples of every node fall in the same buckets however their timers jitter.
   */
  private void scheduleNext() {
    long interval = console.sampleInterval().toMillis();
    long now = System.currentTimeMillis();
    long bucket = Math.floorDiv(now, interval) * interval;
    if (bucket + interval / 2 <= now) {
      bucket += interval;
    }
    long due = bucket + interval / 2;
    long label = bucket;
    timer = vertx.setTimer(Math.max(1, due - now), id -> {
      sample(label);
      if (running) {
        scheduleNext();
      }
    });
  }

  private void sample(long bucket) {
    long now = System.currentTimeMillis();
    double[] values = figures.sample(now);
    history.add(bucket, values);
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
