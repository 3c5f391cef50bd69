package io.lockstep.push.webpush;

import io.vertx.core.json.JsonObject;

import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;

/**
 * The provider's replies, and how a push service's HTTP answer maps onto them (RFC 8030):
 * 2xx is {@code sent}; 404 and 410 mean the subscription is gone, {@code dead_token}; 429 and 5xx are
 * {@code retry}, with {@code retry_after_ms} from a Retry-After header (seconds or an HTTP date);
 * anything else (400, 401, 403, 413, redirects, ...) is {@code failed}. The detail quotes the status and
 * the start of the answer's body.
 */
final class PushReply {

  private PushReply() {
  }

  static JsonObject sent() {
    return new JsonObject().put("status", "sent");
  }

  static JsonObject failed(String detail) {
    return new JsonObject().put("status", "failed").put("detail", detail);
  }

  static JsonObject retry(String detail) {
    return new JsonObject().put("status", "retry").put("detail", detail);
  }

  /** The reply for a push service's answer with this status code, Retry-After header and body. */
  static JsonObject fromAnswer(int statusCode, String retryAfter, String body, Instant now) {
    if (statusCode >= 200 && statusCode < 300) {
      return sent();
    }
    String detail = "push service answered " + statusCode + detailBody(body);
    if (statusCode == 404 || statusCode == 410) {
      return new JsonObject().put("status", "dead_token").put("detail", detail);
    }
    if (statusCode == 429 || statusCode >= 500) {
      JsonObject reply = retry(detail);
      Long retryAfterMs = retryAfterMillis(retryAfter, now);
      if (retryAfterMs != null) {
        reply.put("retry_after_ms", retryAfterMs);
      }
      return reply;
    }
    return failed(statusCode == 413 ? detail + " (payload too large)" : detail);
  }

  private static String detailBody(String body) {
    if (body == null || body.isBlank()) {
      return "";
    }
    return ": " + body.strip();
  }

  /** Retry-After as milliseconds from now; null when absent or unreadable. */
  private static Long retryAfterMillis(String retryAfter, Instant now) {
    if (retryAfter == null) {
      return null;
    }
    String value = retryAfter.trim();
    if (value.matches("\\d{1,9}")) {
      return Long.parseLong(value) * 1000;
    }
    try {
      Instant at = ZonedDateTime.parse(value, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
      return Math.max(0, Duration.between(now, at).toMillis());
    } catch (DateTimeParseException e) {
      return null;
    }
  }
}
