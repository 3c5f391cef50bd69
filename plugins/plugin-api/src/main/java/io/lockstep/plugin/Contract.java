package io.lockstep.plugin;

/** The contracts a plugin can serve, each with its event-bus address scheme. */
public enum Contract {
  /** Decides writes to account-scoped settings; see {@link ConflictPolicyVerticle}. */
  CONFLICT_POLICY("lockstep.conflict."),
  /** Delivers notifications to devices that are not connected; see {@link PushProviderVerticle}. */
  PUSH_PROVIDER("lockstep.push."),
  /** Free-form verticles, typically listening to {@link ServerEvents}. */
  EXTENSION(null);

  private final String addressPrefix;

  Contract(String addressPrefix) {
    this.addressPrefix = addressPrefix;
  }

  public String address(String name) {
    return addressPrefix == null ? null : addressPrefix + name;
  }

  public String wireName() {
    return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
  }
}
