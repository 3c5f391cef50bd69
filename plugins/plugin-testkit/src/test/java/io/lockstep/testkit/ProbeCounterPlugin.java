package io.lockstep.testkit;

import io.lockstep.plugin.LockstepPlugin;
import io.lockstep.plugin.PluginService;
import io.lockstep.plugin.ServerEvents;
import io.vertx.core.Deployable;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.function.Supplier;

/**
 * A second plugin named by the same services file as {@link ProbePlugin}: an extension answering
 * {@code probe.messages} with how many messages the node committed since it started.
 */
public final class ProbeCounterPlugin implements LockstepPlugin {

  @Override
  public String id() {
    return "probe-counter";
  }

  @Override
  public List<PluginService> services() {
    return List.of(PluginService.extension("message-count"));
  }

  @Override
  public List<Supplier<? extends Deployable>> verticles() {
    return List.of(Counter::new);
  }

  /** Counts {@link ServerEvents#MESSAGE} events. */
  static final class Counter extends VerticleBase {
    private long messages;

    @Override
    public Future<?> start() {
      return Future.all(
          vertx.eventBus().consumer(ServerEvents.MESSAGE, message -> messages++).completion(),
          vertx.eventBus().<JsonObject>consumer("probe.messages", request ->
              request.reply(new JsonObject().put("count", messages))).completion());
    }
  }
}
