package io.lockstep.connection;

import io.lockstep.protocol.Events;
import io.vertx.core.json.JsonObject;

/**
 * A committed event on its way to the live sessions of its user on this node, encoded once for all
 * of them. {@code revokedDevice} is the device a {@code device/revoked} event revokes, else null.
 */
record LiveEvent(long seq, long ts, String frame, String revokedDevice) {

  static LiveEvent of(JsonObject event) {
    String revoked = null;
    if (Events.DEVICE.equals(event.getString("kind"))) {
      JsonObject data = event.getJsonObject("data");
      if ("revoked".equals(data.getString("action"))) {
        revoked = data.getJsonObject("device").getString("device_id");
      }
    }
    return new LiveEvent(event.getLong("seq"), event.getLong("ts"), event.encode(), revoked);
  }

  /** Its size as the held-events budget counts it (characters, close to bytes for JSON). */
  int size() {
    return frame.length();
  }
}
