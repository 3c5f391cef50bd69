package io.lockstep.plugin;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;

/**
 * Base class of a push provider: delivers one notification to one device for every request on
 * {@code lockstep.push.<provider>}, through the outside service the device's token belongs to. Name
 * the provider in {@link LockstepPlugin#services()} with {@link PluginService#pushProvider(String)}.
 *
 * <p>The request body ({@link PushRequest} reads it):
 * <pre>{@code
 * {"push_id": 1042, "provider": "apns", "user_id": "alice", "device_id": "d-1", "token": "8f2b…",
 *  "kind": "message", "collapse_id": "c1", "badge": 3, "title": "Bob", "body": "Pizza at 8?",
 *  "data": {"kind": "message", "conversation_id": "c1", "conv_seq": 12, "sender_user_id": "bob",
 *           "badge": 3, "coalesced": 1}}
 * }</pre>
 * The reply ({@link PushReply} builds it) is {@code {"status": "sent"}},
 * {@code {"status": "dead_token", "detail": ...}}, {@code {"status": "retry", "retry_after_ms": ...,
 * "detail": ...}} or {@code {"status": "failed", "detail": ...}}; any other status counts as failed.
 * A failed future is answered as retry with its message; so is a provider that does not answer within
 * {@code push.send_timeout}. Retries of one push carry the same {@code push_id}.
 *
 * <p>{@link #push} runs on an event loop: call the outside service asynchronously (Vert.x's
 * {@code WebClient}, say) and never block. The provider answers as a local consumer: each node's
 * outbox worker asks the provider deployed on itself.
 */
public abstract class PushProviderVerticle extends VerticleBase {

  private final String provider;

  /** A provider that names itself by overriding {@link #provider()}. */
  protected PushProviderVerticle() {
    this(null);
  }

  /**
   * A provider answering for one name.
   *
   * @param provider the name devices register tokens for ({@code push.register}'s {@code provider})
   */
  protected PushProviderVerticle(String provider) {
    this.provider = provider;
  }

  /**
   * The provider name devices register tokens for; the verticle answers on
   * {@code lockstep.push.<name>}.
   *
   * @return the name passed to the constructor
   * @throws IllegalStateException when none was passed and the subclass does not override this
   */
  protected String provider() {
    if (provider == null) {
      throw new IllegalStateException(getClass().getName() + " names no provider: pass it to the constructor"
          + " or override provider()");
    }
    return provider;
  }

  /**
   * Delivers one notification.
   *
   * @param request the request body; {@code new PushRequest(request)} reads it
   * @return the reply, one of {@link PushReply}'s; a failed future counts as retry
   */
  protected abstract Future<JsonObject> push(JsonObject request);

  /**
   * Starts answering on the provider's address.
   *
   * @return completes once the consumer is registered
   */
  @Override
  public Future<?> start() {
    return vertx.eventBus().<JsonObject>localConsumer(Contract.PUSH_PROVIDER.address(provider()), message ->
        push(message.body())
            .onSuccess(message::reply)
            .onFailure(failure -> message.reply(PushReply.retry(failure.getMessage()))))
        .completion();
  }
}
