package io.lockstep.plugin;

import io.vertx.core.json.JsonObject;

/**
 * The four replies of a push provider, as the server reads them. Map every answer of the outside
 * service to one of them; never answer {@link #deadToken} for a misconfiguration (a wrong key, a
 * refused sender), which would delete every device's token.
 */
public final class PushReply {

  private PushReply() {
  }

  /**
   * Delivered: the server deletes the push and counts it sent.
   *
   * @return {@code {"status": "sent"}}
   */
  public static JsonObject sent() {
    return new JsonObject().put("status", "sent");
  }

  /**
   * The token is no longer valid (the app was uninstalled): the server deletes the push and the
   * device's token, if it is still the same.
   *
   * @param detail what the service said, for the log
   * @return {@code {"status": "dead_token", "detail": ...}}
   */
  public static JsonObject deadToken(String detail) {
    return new JsonObject().put("status", "dead_token").put("detail", detail);
  }

  /**
   * Try again later, after exponential backoff with jitter; after {@code push.max_attempts} attempts
   * the push is dead-lettered.
   *
   * @param detail why, for the log and the dead letter
   * @return {@code {"status": "retry", "detail": ...}}
   */
  public static JsonObject retry(String detail) {
    return new JsonObject().put("status", "retry").put("detail", detail);
  }

  /**
   * Try again, not before the service asked (its {@code Retry-After}); the backoff wins if longer.
   *
   * @param retryAfterMs the least wait, in milliseconds
   * @param detail why, for the log and the dead letter
   * @return {@code {"status": "retry", "retry_after_ms": ..., "detail": ...}}
   */
  public static JsonObject retryAfter(long retryAfterMs, String detail) {
    return retry(detail).put("retry_after_ms", retryAfterMs);
  }

  /**
   * Give up on this push: it is dead-lettered at once.
   *
   * @param detail why, for the log and the dead letter
   * @return {@code {"status": "failed", "detail": ...}}
   */
  public static JsonObject failed(String detail) {
    return new JsonObject().put("status", "failed").put("detail", detail);
  }
}
