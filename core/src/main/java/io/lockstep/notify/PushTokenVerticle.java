package io.lockstep.notify;

import io.lockstep.bus.BusService;
import io.lockstep.bus.Operation;
import io.lockstep.bus.PushCalls.RegisterToken;
import io.lockstep.bus.PushCalls.TokenRegistered;
import io.lockstep.bus.PushCalls.TokenUnregistered;
import io.lockstep.bus.PushCalls.UnregisterToken;
import io.lockstep.metrics.LockstepMetrics;
import io.lockstep.plugin.PluginService;
import io.lockstep.protocol.Fields;
import io.lockstep.store.PushStore;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Devices' push tokens: push.register gives the device a token of one of the configured providers
 * (taking it from any other device that held it), push.unregister removes it. A token is a string, or
 * a subscription object for a provider that declares it takes those (Web Push); anything else is
 * refused before anything is stored. Answers on {@code lockstep.notify.token.*}; token churn is
 * counted by kind.
 */
public final class PushTokenVerticle extends VerticleBase {

  /** Longest token accepted, as a string or as the JSON of a subscription object. */
  static final int MAX_TOKEN_LENGTH = 4096;

  private final Pool pool;
  private final Map<String, PluginService> providers;
  private final LockstepMetrics metrics;
  private PushStore store;

  public PushTokenVerticle(Pool pool, Collection<PluginService> providers, LockstepMetrics metrics) {
    this.pool = pool;
    this.providers = providers.stream().collect(Collectors.toUnmodifiableMap(PluginService::name, p -> p, (a, b) -> a));
    this.metrics = metrics;
  }

  @Override
  public Future<?> start() {
    store = new PushStore(pool);
    return Future.all(List.of(
        BusService.answer(vertx, metrics, Operation.PUSH_REGISTER, this::register),
        BusService.answer(vertx, metrics, Operation.PUSH_UNREGISTER, this::unregister)));
  }

  private Future<TokenRegistered> register(RegisterToken request) {
    String provider = request.provider();
    PluginService service = providers.get(provider);
    if (service == null) {
      throw Fields.invalid("provider", providers.isEmpty()
          ? "names no push provider: this server has none configured"
          : "'" + provider + "' is not a push provider of this server (it has "
              + String.join(", ", new TreeSet<>(providers.keySet())) + ")");
    }
    Object token = request.token();
    String key = tokenKey(token, service);
    return store.register(request.caller().userId(), request.caller().deviceId(), provider, token, key)
        .map(registration -> {
          metrics.pushToken(registration.outcome().wire());
          return new TokenRegistered(provider, registration.outcome().wire());
        });
  }

  /**
   * What identifies a token: the string itself, or for a subscription object (Web Push) its endpoint.
   * Anything else, and an object for a provider that takes only strings, is refused with the reason.
   */
  static String tokenKey(Object token, PluginService provider) {
    if (token instanceof JsonObject && !provider.subscriptionTokens()) {
      throw Fields.invalid("token", "must be a string for provider '" + provider.name()
          + "': only a provider of subscriptions (such as webpush) takes a subscription object");
    }
    if (token instanceof String text) {
      if (text.isBlank() || text.length() > MAX_TOKEN_LENGTH) {
        throw Fields.invalid("token", "must be a non-blank string of at most " + MAX_TOKEN_LENGTH + " characters");
      }
      return text;
    }
    if (token instanceof JsonObject subscription) {
      if (Json.encode(subscription).length() > MAX_TOKEN_LENGTH) {
        throw Fields.invalid("token", "must encode to at most " + MAX_TOKEN_LENGTH + " characters");
      }
      if (!(subscription.getValue("endpoint") instanceof String endpoint) || endpoint.isBlank()) {
        throw Fields.invalid("token", "as an object is a Web Push subscription and needs its \"endpoint\"");
      }
      return endpoint;
    }
    throw Fields.invalid("token", "is required: a string, or a Web Push subscription object");
  }

  private Future<TokenUnregistered> unregister(UnregisterToken request) {
    return store.unregister(request.caller().userId(), request.caller().deviceId()).map(removed -> {
      if (removed) {
        metrics.pushToken("unregistered");
      }
      return new TokenUnregistered(removed);
    });
  }
}
