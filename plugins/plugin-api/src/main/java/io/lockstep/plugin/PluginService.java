package io.lockstep.plugin;

/**
 * One thing a plugin serves: a contract and a name, e.g. (CONFLICT_POLICY, "lww") answering on
 * {@code lockstep.conflict.lww}.
 */
public record PluginService(Contract contract, String name) {

  public PluginService {
    if (contract == null || name == null || !name.matches("[a-z0-9][a-z0-9_-]{0,63}")) {
      throw new IllegalArgumentException("a service needs a contract and a name of lower-case letters, digits, '-' and '_'");
    }
  }

  public static PluginService conflictPolicy(String name) {
    return new PluginService(Contract.CONFLICT_POLICY, name);
  }

  public static PluginService pushProvider(String name) {
    return new PluginService(Contract.PUSH_PROVIDER, name);
  }

  public static PluginService extension(String name) {
    return new PluginService(Contract.EXTENSION, name);
  }

  /** The event-bus address the service answers on (extensions have none of their own). */
  public String address() {
    return contract.address(name);
  }
}
