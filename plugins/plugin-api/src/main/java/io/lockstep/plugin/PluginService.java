package io.lockstep.plugin;

/**
 * One thing a plugin serves: a contract and a name, e.g. (CONFLICT_POLICY, "lww") answering on
 * {@code lockstep.conflict.lww}. The server lists them in {@code GET /v1/server/plugins}, refuses
 * {@code push.register} for providers no plugin serves, and warns about setting keys whose policy no
 * plugin serves.
 *
 * @param contract what kind of service
 * @param name its name: 1 to 64 lower-case letters, digits, {@code -} and {@code _}, starting with a
 *     letter or digit
 * @param subscriptionTokens for a push provider: devices may register a subscription object
 *     ({@code {"endpoint": ..., "keys": {...}}}, as Web Push has) as their token. Without it the server
 *     refuses any token but a string for this provider, with {@code invalid_field}.
 */
public record PluginService(Contract contract, String name, boolean subscriptionTokens) {

  /**
   * Checks the name, and that only push providers take subscription tokens.
   *
   * @param contract what kind of service
   * @param name its name
   * @param subscriptionTokens whether a push provider takes subscription objects as tokens
   * @throws IllegalArgumentException when either is wrong
   */
  public PluginService {
    if (contract == null || name == null || !name.matches("[a-z0-9][a-z0-9_-]{0,63}")) {
      throw new IllegalArgumentException("a service needs a contract and a name of lower-case letters, digits, '-' and '_'");
    }
    if (subscriptionTokens && contract != Contract.PUSH_PROVIDER) {
      throw new IllegalArgumentException("only a push provider takes subscription tokens");
    }
  }

  /**
   * A service that takes no subscription tokens.
   *
   * @param contract what kind of service
   * @param name its name
   */
  public PluginService(Contract contract, String name) {
    this(contract, name, false);
  }

  /**
   * A conflict policy, answering on {@code lockstep.conflict.<name>}.
   *
   * @param name the name setting keys give as their {@code policy}
   * @return the service
   */
  public static PluginService conflictPolicy(String name) {
    return new PluginService(Contract.CONFLICT_POLICY, name);
  }

  /**
   * A push provider whose tokens are strings (APNs, FCM, a webhook's own ids), answering on
   * {@code lockstep.push.<name>}.
   *
   * @param name the name devices give as {@code push.register}'s {@code provider}
   * @return the service
   */
  public static PluginService pushProvider(String name) {
    return new PluginService(Contract.PUSH_PROVIDER, name);
  }

  /**
   * An extension: any verticle, named for the plugins list only.
   *
   * @param name its name
   * @return the service
   */
  public static PluginService extension(String name) {
    return new PluginService(Contract.EXTENSION, name);
  }

  /**
   * This push provider, also taking subscription objects as tokens (Web Push).
   *
   * @return a new service
   * @throws IllegalArgumentException when this is not a push provider
   */
  public PluginService withSubscriptionTokens() {
    return new PluginService(contract, name, true);
  }

  /**
   * The event-bus address the service answers on.
   *
   * @return e.g. {@code lockstep.push.webhook}; null for an extension
   */
  public String address() {
    return contract.address(name);
  }
}
