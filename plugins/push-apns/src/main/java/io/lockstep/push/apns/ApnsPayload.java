package io.lockstep.push.apns;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;

/**
 * The JSON document APNs hands to the app. A message is a visible alert:
 * {@code {"aps": {"alert": {"title"?, "body"}, "badge", "sound": "default", "thread-id": <conversation>},
 * "lockstep": <data>}}; a badge update is silent: {@code {"aps": {"content-available": 1, "badge"},
 * "lockstep": <data>}}. The document never exceeds APNs' {@value #MAX_BYTES} bytes when the request's
 * body is what makes it too long: the body is then cut, at a character boundary, and ends with "…".
 */
final class ApnsPayload {

  static final int MAX_BYTES = 4096;
  private static final String ELLIPSIS = "…";

  private ApnsPayload() {
  }

  /** The alert for a kind-message request; longer than {@link #MAX_BYTES} only if the rest of it is. */
  static Buffer message(JsonObject request) {
    String body = request.getString("body", "");
    Buffer whole = message(request, body);
    if (whole.length() <= MAX_BYTES) {
      return whole;
    }
    int fits = 0;
    int tooLong = body.length();
    while (tooLong - fits > 1) {
      int middle = (fits + tooLong) >>> 1;
      if (message(request, cut(body, middle)).length() <= MAX_BYTES) {
        fits = middle;
      } else {
        tooLong = middle;
      }
    }
    return message(request, cut(body, fits));
  }

  static Buffer badge(JsonObject request) {
    JsonObject aps = new JsonObject().put("content-available", 1);
    putIfPresent(aps, "badge", request.getInteger("badge"));
    return document(aps, request);
  }

  private static Buffer message(JsonObject request, String body) {
    JsonObject alert = new JsonObject();
    putIfPresent(alert, "title", request.getString("title"));
    alert.put("body", body);
    JsonObject aps = new JsonObject().put("alert", alert);
    putIfPresent(aps, "badge", request.getInteger("badge"));
    aps.put("sound", "default");
    JsonObject data = request.getJsonObject("data");
    String conversation = data == null ? null : data.getString("conversation_id");
    putIfPresent(aps, "thread-id", conversation == null ? request.getString("collapse_id") : conversation);
    return document(aps, request);
  }

  /**
   * The first {@code length} characters, one fewer if that would split a surrogate pair, and "…".
   * Never splitting a pair also keeps the payload's size growing with {@code length}, which the
   * binary search in {@link #message(JsonObject)} relies on.
   */
  private static String cut(String body, int length) {
    int end = length > 0 && Character.isHighSurrogate(body.charAt(length - 1)) ? length - 1 : length;
    return body.substring(0, end) + ELLIPSIS;
  }

  private static Buffer document(JsonObject aps, JsonObject request) {
    JsonObject document = new JsonObject().put("aps", aps);
    putIfPresent(document, "lockstep", request.getJsonObject("data"));
    return document.toBuffer();
  }

  private static void putIfPresent(JsonObject json, String key, Object value) {
    if (value != null) {
      json.put(key, value);
    }
  }
}
