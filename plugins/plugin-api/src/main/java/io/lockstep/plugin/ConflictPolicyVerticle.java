package io.lockstep.plugin;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;

/**
 * Base class of a conflict policy: answers every {@link ConflictRequest} on
 * {@code lockstep.conflict.<policy>} with the {@link ConflictDecision} that {@link #decide} returns.
 * Name the policy in {@link LockstepPlugin#services()} with {@link PluginService#conflictPolicy(String)}
 * and point setting keys at it ({@code settings.keys[].policy}).
 *
 * <p>A decision must depend only on the request: when another write to the key commits between the
 * question and the answer, the server asks again with the new stored value (up to five times). It
 * runs on an event loop, so it must not block. The policy answers as a local consumer: each node asks
 * the policy deployed on itself.
 *
 * <p>A value the policy cannot take (of the wrong type, say) is refused by throwing an
 * {@link IllegalArgumentException} from {@code decide}: nothing is stored, and the writer gets error
 * {@code invalid_field} whose message is {@code field 'value' } followed by the exception's message.
 * Word it to follow that prefix: {@code "must be a number"} reaches the writer as
 * {@code field 'value' must be a number}. Any other exception leaves the request unanswered: after the
 * server's wait (5 seconds) the write fails with {@code unavailable}.
 */
public abstract class ConflictPolicyVerticle extends VerticleBase {

  /** For subclasses. */
  protected ConflictPolicyVerticle() {
  }

  /**
   * The policy's name, as key patterns name it in {@code settings.keys[].policy}; the verticle answers
   * on {@code lockstep.conflict.<name>}.
   *
   * @return lower-case letters, digits, {@code -} and {@code _}
   */
  protected abstract String policy();

  /**
   * Decides one write.
   *
   * @param request the key, its default, the stored write (if any) and the incoming one
   * @return accept, reject or merge
   * @throws IllegalArgumentException to refuse the incoming value with {@code invalid_field} and this
   *     message after {@code field 'value' }
   */
  protected abstract ConflictDecision decide(ConflictRequest request);

  /**
   * Starts answering on the policy's address.
   *
   * @return completes once the consumer is registered
   */
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
