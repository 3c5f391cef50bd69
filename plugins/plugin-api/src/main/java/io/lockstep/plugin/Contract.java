package io.lockstep.plugin;

/** The contracts a plugin can serve, each with its event-bus address scheme. */
public enum Contract {
  /** Decides writes to account-scoped settings, on {@code lockstep.conflict.<name>}; see {@link ConflictPolicyVerticle}. */
  CONFLICT_POLICY("lockstep.conflict."),
  /** Delivers notifications to devices that are not connected, on {@code lockstep.push.<name>}; see {@link PushProviderVerticle}. */
  PUSH_PROVIDER("lockstep.push."),
  /** Free-form verticles, typically listening to {@link ServerEvents}; no address of their own. */
  EXTENSION(null);

  private final String addressPrefix;

  Contract(String addressPrefix) {
    this.addressPrefix = addressPrefix;
  }

  /**
   * The event-bus address a service of this contract answers on.
   *
   * @param name the service's name
   * @return e.g. {@code lockstep.conflict.lww}; null for an extension
   */
  public String address(String name) {
    return addressPrefix == null ? null : addressPrefix + name;
  }

  /**
   * The contract's name in {@code GET /v1/server/plugins}.
   *
   * @return {@code conflict-policy}, {@code push-provider} or {@code extension}
   */
  public String wireName() {
    return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
  }
}
