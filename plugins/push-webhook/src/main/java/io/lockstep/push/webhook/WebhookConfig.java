package io.lockstep.push.webhook;

import io.lockstep.plugin.ConfigTree;

import java.net.URI;
import java.time.Duration;
import java.util.Set;

/**
 * The webhook provider's configuration, {@code plugins.config.push-webhook}: where to POST ({@code url}),
 * the shared {@code secret} the body is signed with, and how long to wait for an answer
 * ({@code timeout_seconds}, default 10).
 */
public record WebhookConfig(URI url, String secret, Duration timeout) {

  static final int MIN_SECRET_LENGTH = 16;
  static final long DEFAULT_TIMEOUT_SECONDS = 10;

  private static final Set<String> KEYS = Set.of("url", "secret", "timeout_seconds");

  /** Reads and checks the section; IllegalArgumentException naming the key that is missing or wrong. */
  public static WebhookConfig from(ConfigTree tree) {
    tree.onlyKeys(KEYS);
    if (!tree.has("url")) {
      throw tree.invalid("url", "is required: the integrator's endpoint, an absolute http or https URL");
    }
    String secret = tree.string("secret", "");
    if (secret.length() < MIN_SECRET_LENGTH) {
      throw tree.invalid("secret", "is required and must have at least " + MIN_SECRET_LENGTH
          + " characters (it signs every request)");
    }
    return new WebhookConfig(tree.httpUrl("url", null), secret,
        Duration.ofSeconds(tree.longValue("timeout_seconds", DEFAULT_TIMEOUT_SECONDS, 1, 3_600)));
  }

  /** Leaves the secret out, so the configuration can be logged. */
  @Override
  public String toString() {
    return "WebhookConfig[url=" + url + ", timeout=" + timeout + "]";
  }
}
