package io.lockstep.push.fcm;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;

import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Locale;

/**
 * Maps what FCM and the token endpoint answer to push replies ({@code sent}, {@code retry},
 * {@code dead_token}, {@code failed}). Only an answer that blames the device's token prunes it: a
 * mistake of ours (wrong project, bad credentials) must never delete every device's token.
 */
final class FcmAnswers {

  private static final String FCM_ERROR_TYPE = "type.googleapis.com/google.firebase.fcm.v1.FcmError";
  private static final String BAD_REQUEST_TYPE = "type.googleapis.com/google.rpc.BadRequest";

  private FcmAnswers() {
  }

  /** The reply for the send endpoint's answer. */
  static JsonObject forSend(HttpResponse<Buffer> response) {
    int status = response.statusCode();
    if (status >= 200 && status < 300) {
      return reply("sent");
    }
    JsonObject error = bodyOf(response).getJsonObject("error", new JsonObject());
    String errorCode = errorCode(error);
    String detail = "fcm answered " + status + " " + errorCode
        + (error.getString("message") == null ? "" : ": " + error.getString("message"));
    if ("UNREGISTERED".equals(errorCode) || ("INVALID_ARGUMENT".equals(errorCode) && blamesToken(error))) {
      return reply("dead_token").put("detail", detail);
    }
    if (rejectsAccessToken(response)) {
      return reply("retry").put("detail", detail + " (the access token will be fetched again)");
    }
    if (status == 429 || status >= 500) {
      return retry(detail, response.getHeader("Retry-After"));
    }
    return failed(detail);
  }

  /** True when the send endpoint refused the access token itself (expired or revoked), not the APNs/Web Push credentials. */
  static boolean rejectsAccessToken(HttpResponse<Buffer> response) {
    return response.statusCode() == 401
        && !"THIRD_PARTY_AUTH_ERROR".equals(errorCode(bodyOf(response).getJsonObject("error", new JsonObject())));
  }

  /** The reply when no answer came, or the token endpoint handed out no token. */
  static JsonObject forFailure(Throwable failure) {
    if (failure instanceof AccessTokens.TokenEndpointError error) {
      return error.status == 429 || error.status >= 500
          ? retry(error.getMessage(), error.retryAfter) : failed(error.getMessage());
    }
    return reply("retry").put("detail", String.valueOf(failure.getMessage()));
  }

  static JsonObject failed(String detail) {
    return reply("failed").put("detail", detail);
  }

  /** The answer's JSON object; empty when there is none (a proxy's HTML page, say). */
  static JsonObject bodyOf(HttpResponse<Buffer> response) {
    Buffer body = response.body();
    if (body == null || body.length() == 0) {
      return new JsonObject();
    }
    try {
      return new JsonObject(body);
    } catch (DecodeException | ClassCastException e) {
      return new JsonObject();
    }
  }

  /** FcmError's errorCode when given, else the status of the Google API error, else UNKNOWN. */
  private static String errorCode(JsonObject error) {
    for (Object detail : error.getJsonArray("details", new JsonArray())) {
      if (detail instanceof JsonObject object && FCM_ERROR_TYPE.equals(object.getString("@type"))
          && object.getString("errorCode") != null) {
        return object.getString("errorCode");
      }
    }
    return error.getString("status", "UNKNOWN");
  }

  /**
   * INVALID_ARGUMENT covers both a malformed payload and a token that is not an FCM registration token:
   * the token is blamed when a BadRequest field violation names message.token, or the message says so.
   */
  private static boolean blamesToken(JsonObject error) {
    for (Object detail : error.getJsonArray("details", new JsonArray())) {
      if (detail instanceof JsonObject object && BAD_REQUEST_TYPE.equals(object.getString("@type"))) {
        for (Object violation : object.getJsonArray("fieldViolations", new JsonArray())) {
          if (violation instanceof JsonObject field && "message.token".equals(field.getString("field"))) {
            return true;
          }
        }
      }
    }
    return error.getString("message", "").toLowerCase(Locale.ROOT).contains("registration token");
  }

  private static JsonObject retry(String detail, String retryAfter) {
    JsonObject reply = reply("retry").put("detail", detail);
    Long delay = retryAfterMillis(retryAfter);
    return delay == null ? reply : reply.put("retry_after_ms", delay);
  }

  /** Retry-After as delay-seconds or as an HTTP date; null when absent or unreadable. */
  private static Long retryAfterMillis(String retryAfter) {
    if (retryAfter == null || retryAfter.isBlank()) {
      return null;
    }
    String value = retryAfter.trim();
    if (value.matches("\\d{1,9}")) {
      return Long.parseLong(value) * 1000;
    }
    try {
      long at = ZonedDateTime.parse(value, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant().toEpochMilli();
      return Math.max(0, at - System.currentTimeMillis());
    } catch (DateTimeParseException e) {
      return null;
    }
  }

  private static JsonObject reply(String status) {
    return new JsonObject().put("status", status);
  }
}
