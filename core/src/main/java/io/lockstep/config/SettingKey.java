package io.lockstep.config;

import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * One entry of the settings key registry: a key pattern ('*' standing for one dot-free segment), the
 * scopes it may be written in, the conflict policy of its account writes and its default value.
 */
public record SettingKey(String pattern, Set<Scope> scopes, String policy, Object defaultValue) {

  /** Where a setting lives: the account (every device) or one device. */
  public enum Scope {
    ACCOUNT, DEVICE;

    public String wire() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  private static final Pattern VALID = Pattern.compile("[A-Za-z0-9_*-]+(\\.[A-Za-z0-9_*-]+)*");

  public SettingKey {
    if (!VALID.matcher(pattern).matches()) {
      throw new IllegalArgumentException("settings key pattern '" + pattern + "' is not dot-separated words");
    }
    if (scopes.isEmpty()) {
      throw new IllegalArgumentException("settings key pattern '" + pattern + "' needs at least one scope");
    }
  }

  public boolean matches(String key) {
    String[] want = pattern.split("\\.");
    String[] have = key.split("\\.", -1);
    if (want.length != have.length) {
      return false;
    }
    for (int i = 0; i < want.length; i++) {
      if (have[i].isEmpty() || (!want[i].equals("*") && !want[i].equals(have[i]))) {
        return false;
      }
    }
    return true;
  }

  /** A pattern without wildcards names exactly one key. */
  public boolean isSingleKey() {
    return !pattern.contains("*");
  }

  public boolean allows(Scope scope) {
    return scopes.contains(scope);
  }
}
