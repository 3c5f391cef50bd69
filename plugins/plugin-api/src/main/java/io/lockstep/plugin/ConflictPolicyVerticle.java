package io.lockstep.plugin;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;

/**
 * Base class of a conflict policy: answers {@link ConflictRequest}s on
 * {@code lockstep.conflict.<policy>} with a {@link ConflictDecision}. A decision must depend only on
 * the request (the server may ask again when another write got in first), and must not block.
 * A request the policy cannot decide (a value of the wrong type, say) is failed with a sentence; the
 * writer then gets error {@code invalid_field} carrying it. The policy answers as a local consumer:
 * each node asks the policy deployed on itself.
 */
public abstract class ConflictPolicyVerticle extends VerticleBase {

  /** The policy name, as key patterns name it in {@code settings.keys[].policy}. */
  protected abstract String policy();

  protected abstract ConflictDecision decide(ConflictRequest request);

  @Override
  public Future<?> start() {
    return vertx.eventBus().<JsonObject>localConsumer(Contract.CONFLICT_POLICY.address(policy()), message -> {
      try {
        message.reply(decide(new ConflictRequest(message.body())).toJson());
      } catch (IllegalArgumentException e) {
        message.fail(400, e.getMessage());
      }
    }).completion();
  }
}
