package io.lockstep.plugin;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;

/**
 * Base class of a push provider: answers push requests on {@code lockstep.push.<provider>}.
 *
 * <p>Request: {@code {"provider", "user_id", "device_id", "token", "kind": "message"|"badge",
 * "collapse_id", "badge", "title"?, "body"?, "data": {...}}} — {@code token} is whatever the device
 * registered (a string, or for Web Push the subscription object); {@code kind: "badge"} is a silent
 * update. Reply: {@code {"status": "sent"|"retry"|"dead_token"|"failed", "retry_after_ms"?, "detail"?}}:
 * {@code dead_token} makes the server delete the device's token, {@code retry} schedules another
 * attempt, {@code failed} gives up on this push.
 */
public abstract class PushProviderVerticle extends VerticleBase {

  private final String provider;

  /** A provider that names itself by overriding {@link #provider()}. */
  protected PushProviderVerticle() {
    this(null);
  }

  /** A provider answering for {@code provider}, the name devices register tokens for. */
  protected PushProviderVerticle(String provider) {
    this.provider = provider;
  }

  /** The provider name devices register tokens for (push.register's provider). */
  protected String provider() {
    if (provider == null) {
      throw new IllegalStateException(getClass().getName() + " names no provider: pass it to the constructor"
          + " or override provider()");
    }
    return provider;
  }

  protected abstract Future<JsonObject> push(JsonObject request);

  @Override
  public Future<?> start() {
    return vertx.eventBus().<JsonObject>localConsumer(Contract.PUSH_PROVIDER.address(provider()), message ->
        push(message.body())
            .onSuccess(message::reply)
            .onFailure(failure -> message.reply(new JsonObject().put("status", "retry").put("detail", failure.getMessage()))))
        .completion();
  }
}
