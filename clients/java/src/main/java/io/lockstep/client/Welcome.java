package io.lockstep.client;

import io.vertx.core.json.JsonObject;

/**
 * The server's answer to a hello that it accepted. When {@link #resetRequired()} the device is behind
 * retention: a {@code snapshot} follows instead of a backlog; drop local state and rebuild from it.
 */
public record Welcome(String userId, String deviceId, long cursor, long head, long retentionFloor, boolean resetRequired,
                      long heartbeatMs, JsonObject frame) {

  static Welcome of(JsonObject frame) {
    return new Welcome(frame.getString("user_id"), frame.getString("device_id"), frame.getLong("cursor", 0L),
        frame.getLong("head", 0L), frame.getLong("retention_floor", 0L), frame.getBoolean("reset_required", false),
        frame.getLong("heartbeat_ms", 30_000L), frame);
  }
}
