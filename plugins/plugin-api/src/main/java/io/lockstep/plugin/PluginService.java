package io.lockstep.plugin;

/**
 * One thing a plugin serves: a contract and a name, e.g. (CONFLICT_POLICY, "lww") answering on
 * {@code lockstep.conflict.lww}.
 *
 * @param subscriptionTokens for a push provider: devices may register a subscription object
 *     ({@code {"endpoint": ..., "keys": {...}}}, as Web Push has) as their token. Without it the server
 *     refuses any token but a string for this provider, with {@code invalid_field}.
 */
public record PluginService(Contract contract, String name, boolean subscriptionTokens) {

  public PluginService {
    if (contract == null || name == null || !name.matches("[a-z0-9][a-z0-9_-]{0,63}")) {
      throw new IllegalArgumentException("a service needs a contract and a name of lower-case letters, digits, '-' and '_'");
    }
    if (subscriptionTokens && contract != Contract.PUSH_PROVIDER) {
      throw new IllegalArgumentException("only a push provider takes subscription tokens");
    }
  }

  public PluginService(Contract contract, String name) {
    this(contract, name, false);
  }

  public static PluginService conflictPolicy(String name) {
    return new PluginService(Contract.CONFLICT_POLICY, name);
  }

  /** A push provider whose tokens are strings (APNs, FCM, a webhook's own ids). */
  public static PluginService pushProvider(String name) {
    return new PluginService(Contract.PUSH_PROVIDER, name);
  }

  public static PluginService extension(String name) {
    return new PluginService(Contract.EXTENSION, name);
  }

  /** This push provider, also taking subscription objects as tokens (Web Push). */
  public PluginService withSubscriptionTokens() {
    return new PluginService(contract, name, true);
  }

  /** The event-bus address the service answers on (extensions have none of their own). */
  public String address() {
    return contract.address(name);
  }
}
