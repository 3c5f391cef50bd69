package io.lockstep.conflict;

import io.lockstep.plugin.LockstepPlugin;
import io.lockstep.plugin.PluginService;
import io.vertx.core.Deployable;

import java.util.List;
import java.util.function.Supplier;

/** The built-in conflict policies, shipped as a plugin like any other: lww, arrival, max, union, reject-stale. */
public final class StandardConflictPolicies implements LockstepPlugin {

  @Override
  public String id() {
    return "conflict-standard";
  }

  @Override
  public List<PluginService> services() {
    return List.of(
        PluginService.conflictPolicy(LastWriterWins.NAME),
        PluginService.conflictPolicy(ArrivalOrder.NAME),
        PluginService.conflictPolicy(Maximum.NAME),
        PluginService.conflictPolicy(ObservedRemoveSet.NAME),
        PluginService.conflictPolicy(RejectStale.NAME));
  }

  @Override
  public List<Supplier<? extends Deployable>> verticles() {
    return List.of(LastWriterWins::new, ArrivalOrder::new, Maximum::new, ObservedRemoveSet::new, RejectStale::new);
  }
}
