package io.lockstep.client;

import io.vertx.core.json.JsonObject;

/**
 * The first frame of a connection. Omit the device id on a device's first hello (the server
 * registers it and answers its id in {@link Welcome}); give the cursor the device stored to catch up
 * after it instead of after the server's cursor.
 *
 * @param token      the client JWT
 * @param deviceId   the device's id, or null to register a new device
 * @param cursor     the last seq the device stored, or null for the server's cursor of the device
 * @param batch      whether the backlog may arrive in {@code events} frames of many events
 * @param deviceName a new device's name, or null
 * @param platform   a new device's platform, or null
 * @param extra      fields put into the frame last (they win), or null
 */
public record Hello(String token, String deviceId, Long cursor, boolean batch, String deviceName, String platform,
                    JsonObject extra) {

  public static Hello withToken(String token) {
    return new Hello(token, null, null, false, null, null, null);
  }

  public Hello deviceId(String deviceId) {
    return new Hello(token, deviceId, cursor, batch, deviceName, platform, extra);
  }

  public Hello cursor(Long cursor) {
    return new Hello(token, deviceId, cursor, batch, deviceName, platform, extra);
  }

  public Hello batch(boolean batch) {
    return new Hello(token, deviceId, cursor, batch, deviceName, platform, extra);
  }

  public Hello newDevice(String deviceName, String platform) {
    return new Hello(token, deviceId, cursor, batch, deviceName, platform, extra);
  }

  /** Reads large conversations as streams ({@code "streams": true}): their events carry {@link Event#stream()}. */
  public Hello streams() {
    return extra((extra == null ? new JsonObject() : extra.copy()).put("streams", true));
  }

  public Hello extra(JsonObject extra) {
    return new Hello(token, deviceId, cursor, batch, deviceName, platform, extra);
  }

  /** The hello frame. */
  public JsonObject toFrame() {
    JsonObject frame = new JsonObject().put("type", "hello").put("token", token);
    if (deviceId != null) {
      frame.put("device_id", deviceId);
    }
    if (cursor != null) {
      frame.put("cursor", cursor);
    }
    if (batch) {
      frame.put("batch", true);
    }
    if (deviceName != null) {
      frame.put("device_name", deviceName);
    }
    if (platform != null) {
      frame.put("platform", platform);
    }
    return extra == null ? frame : frame.mergeIn(extra);
  }
}
