package io.lockstep.push.webhook;

import io.vertx.core.json.JsonObject;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;

/**
 * The webhook provider's configuration: where to POST ({@code url}), the shared {@code secret} the
 * body is signed with, and how long to wait for an answer ({@code timeout_seconds}, default 10).
 */
public record WebhookConfig(URI url, String secret, Duration timeout) {

  static final int MIN_SECRET_LENGTH = 16;

  public static WebhookConfig from(JsonObject json) {
    String url = json.getValue("url") instanceof String text ? text : null;
    if (url == null || url.isBlank()) {
      throw new IllegalArgumentException("push-webhook: url is required (the integrator's endpoint, http or https)");
    }
    URI uri;
    try {
      uri = new URI(url);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("push-webhook: url '" + url + "' is not a URL: " + e.getMessage());
    }
    if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null) {
      throw new IllegalArgumentException("push-webhook: url must be an absolute http or https URL, not '" + url + "'");
    }
    String secret = json.getValue("secret") instanceof String text ? text : "";
    if (secret.length() < MIN_SECRET_LENGTH) {
      throw new IllegalArgumentException("push-webhook: secret is required and must have at least "
          + MIN_SECRET_LENGTH + " characters (it signs every request)");
    }
    Object timeout = json.getValue("timeout_seconds", 10);
    if (!(timeout instanceof Number seconds) || seconds.intValue() < 1) {
      throw new IllegalArgumentException("push-webhook: timeout_seconds must be a whole number of seconds, at least 1");
    }
    return new WebhookConfig(uri, secret, Duration.ofSeconds(seconds.intValue()));
  }
}
