package io.lockstep.push.fcm;

import io.vertx.core.json.JsonObject;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.Map;

/**
 * Turns a Lockstep push request into an FCM v1 {@code message}. A {@code message} push shows an alert
 * (high priority, replacing the conversation's previous one); a {@code badge} push is a data-only
 * message that only updates the badge and wakes the app (normal priority, no notification block).
 * Every platform collapses by conversation: Android's collapse key and notification tag, APNs'
 * collapse id, Web Push's topic.
 */
final class FcmMessage {

  /** APNs refuses apns-collapse-id values longer than this many bytes. */
  private static final int APNS_COLLAPSE_ID_MAX = 64;
  /** Web Push topics are at most 32 characters of the URL-safe Base64 alphabet. */
  private static final int WEBPUSH_TOPIC_LENGTH = 32;

  private FcmMessage() {
  }

  /** The {@code message} object; IllegalArgumentException when the request cannot be sent through FCM. */
  static JsonObject from(JsonObject request) {
    if (!(request.getValue("token") instanceof String token) || token.isEmpty()) {
      throw new IllegalArgumentException("an fcm token is a non-empty string (the device's registration token)");
    }
    String kind = request.getString("kind");
    if (!"message".equals(kind) && !"badge".equals(kind)) {
      throw new IllegalArgumentException("kind must be message or badge, not " + kind);
    }
    if (!(request.getValue("collapse_id") instanceof String collapseId) || collapseId.isEmpty()) {
      throw new IllegalArgumentException("a push needs a collapse_id");
    }
    boolean alert = "message".equals(kind);
    Integer badge = request.getInteger("badge");

    JsonObject message = new JsonObject().put("token", token);
    if (alert) {
      message.put("notification", presentOnly(new JsonObject()
          .put("title", request.getString("title"))
          .put("body", request.getString("body"))));
    }
    message.put("data", stringValues(request.getJsonObject("data", new JsonObject())));
    JsonObject android = new JsonObject().put("collapse_key", collapseId).put("priority", alert ? "high" : "normal");
    if (alert) {
      android.put("notification", presentOnly(new JsonObject().put("tag", collapseId).put("notification_count", badge)));
    }
    message.put("android", android);
    message.put("apns", new JsonObject()
        .put("headers", new JsonObject()
            .put("apns-collapse-id", apnsCollapseId(collapseId))
            .put("apns-push-type", alert ? "alert" : "background")
            .put("apns-priority", alert ? "10" : "5"))
        .put("payload", new JsonObject().put("aps", presentOnly(new JsonObject()
            .put("badge", badge)
            .put("content-available", alert ? null : 1)))));
    message.put("webpush", new JsonObject().put("headers", new JsonObject()
        .put("Topic", digest(collapseId).substring(0, WEBPUSH_TOPIC_LENGTH))
        .put("Urgency", alert ? "high" : "normal")));
    return message;
  }

  /** FCM data maps hold strings only. */
  private static JsonObject stringValues(JsonObject data) {
    JsonObject strings = new JsonObject();
    for (Map.Entry<String, Object> entry : data) {
      if (entry.getValue() != null) {
        strings.put(entry.getKey(), String.valueOf(entry.getValue()));
      }
    }
    return strings;
  }

  private static JsonObject presentOnly(JsonObject object) {
    object.fieldNames().removeIf(key -> object.getValue(key) == null);
    return object;
  }

  private static String apnsCollapseId(String collapseId) {
    return collapseId.length() <= APNS_COLLAPSE_ID_MAX ? collapseId : digest(collapseId);
  }

  /** A stable short stand-in for a long id: URL-safe Base64 of its SHA-256, 43 characters. */
  private static String digest(String id) {
    try {
      byte[] hash = MessageDigest.getInstance("SHA-256").digest(id.getBytes(StandardCharsets.UTF_8));
      return Base64.getUrlEncoder().withoutPadding().encodeToString(hash);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime has SHA-256", e);
    }
  }
}
