package io.lockstep.push.webpush;

import io.vertx.core.json.JsonObject;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;

/**
 * What a push request becomes before encryption: the JSON the service worker receives, and the RFC 8030
 * Urgency and Topic headers.
 * <ul>
 *   <li>Payload: {@code {"kind", "title"?, "body"?, "badge", "tag": <collapse_id>, "data"}}; title and
 *   body only for kind message. A payload too large for one push message (3993 bytes of JSON) is sent
 *   with its body shortened to fit, ending in "…".</li>
 *   <li>Urgency: {@code high} for a message, {@code low} for a silent badge update.</li>
 *   <li>Topic: a pending message with the same topic is replaced by the push service, so it is derived
 *   from the conversation (collapse_id). A topic is at most 32 characters of the base64url alphabet
 *   while ids may be longer and contain '.' and ':', so it is the first 32 characters of
 *   base64url(SHA-256(collapse_id)).</li>
 * </ul>
 */
record PushMessage(byte[] payload, String urgency, String topic) {

  static final int TOPIC_LENGTH = 32;
  private static final String ELLIPSIS = "…";

  /** The message for a push request; IllegalArgumentException when the request cannot be sent. */
  static PushMessage from(JsonObject request) {
    String kind = request.getString("kind");
    boolean message = "message".equals(kind);
    if (!message && !"badge".equals(kind)) {
      throw new IllegalArgumentException("the push kind must be message or badge, not " + kind);
    }
    String collapseId = request.getString("collapse_id");
    JsonObject payload = new JsonObject().put("kind", kind);
    if (message) {
      putPresent(payload, "title", request.getValue("title"));
      putPresent(payload, "body", request.getValue("body"));
    }
    putPresent(payload, "badge", request.getValue("badge"));
    putPresent(payload, "tag", collapseId);
    putPresent(payload, "data", request.getValue("data"));
    return new PushMessage(fitted(payload), message ? "high" : "low", collapseId == null ? null : topic(collapseId));
  }

  static String topic(String collapseId) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(collapseId.getBytes(StandardCharsets.UTF_8));
      return Base64.getUrlEncoder().withoutPadding().encodeToString(digest).substring(0, TOPIC_LENGTH);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("this JDK has no SHA-256", e);
    }
  }

  private static void putPresent(JsonObject payload, String key, Object value) {
    if (value != null) {
      payload.put(key, value);
    }
  }

  /** The payload's JSON; when too large, with the longest prefix of its body that fits, then "…". */
  private static byte[] fitted(JsonObject payload) {
    byte[] encoded = encode(payload);
    String body = payload.getString("body");
    if (encoded.length > MessageEncryption.MAX_PLAINTEXT && body != null) {
      int fits = 0;
      int tooLong = body.length();
      while (tooLong - fits > 1) {
        int middle = (fits + tooLong) >>> 1;
        if (encode(payload.put("body", shortened(body, middle))).length <= MessageEncryption.MAX_PLAINTEXT) {
          fits = middle;
        } else {
          tooLong = middle;
        }
      }
      encoded = encode(payload.put("body", shortened(body, fits)));
    }
    if (encoded.length > MessageEncryption.MAX_PLAINTEXT) {
      throw new IllegalArgumentException("the notification's JSON has " + encoded.length + " bytes even with its"
          + " body cut short, more than the " + MessageEncryption.MAX_PLAINTEXT + " a push message can carry");
    }
    return encoded;
  }

  private static String shortened(String body, int length) {
    int end = length > 0 && Character.isHighSurrogate(body.charAt(length - 1)) ? length - 1 : length;
    return body.substring(0, end) + ELLIPSIS;
  }

  private static byte[] encode(JsonObject payload) {
    return payload.encode().getBytes(StandardCharsets.UTF_8);
  }
}
