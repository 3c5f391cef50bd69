package io.lockstep.plugin;

import io.vertx.core.json.JsonObject;

/**
 * A write to an account-scoped setting, as a conflict policy sees it. Wire form (request body on
 * {@code lockstep.conflict.<policy>}):
 * <pre>{@code
 * {"key": "conversation.c1.muted",
 *  "default": false,
 *  "stored":   {"value": true, "state": null, "version": 3, "hlc": 1795768655528000001, "device_id": "d-1"},
 *  "incoming": {"value": false, "base_version": 2, "hlc": 1795768655001000000, "device_id": "d-2",
 *               "user_id": "alice", "server_hlc": 1795768656000000000}}
 * }</pre>
 * {@code stored} is null when the key was never written. {@code state} is whatever a policy asked to
 * keep beside the value (see {@link ConflictDecision#merge(Object, Object)}). HLC stamps are
 * hybrid-logical-clock values: milliseconds since the epoch shifted left by 16 bits plus a logical
 * counter; the incoming one is already clamped to the server's allowed skew.
 */
public final class ConflictRequest {

  private final JsonObject json;

  public ConflictRequest(JsonObject json) {
    this.json = json;
  }

  public String key() {
    return json.getString("key");
  }

  public Object defaultValue() {
    return json.getValue("default");
  }

  /** The stored write, or null when the key has never been written. */
  public Stored stored() {
    JsonObject stored = json.getJsonObject("stored");
    return stored == null ? null : new Stored(stored.getValue("value"), stored.getValue("state"),
        stored.getLong("version"), stored.getLong("hlc"), stored.getString("device_id"));
  }

  public Incoming incoming() {
    JsonObject incoming = json.getJsonObject("incoming");
    return new Incoming(incoming.getValue("value"), incoming.getLong("base_version"), incoming.getLong("hlc"),
        incoming.getString("device_id"), incoming.getString("user_id"), incoming.getLong("server_hlc"));
  }

  public JsonObject toJson() {
    return json;
  }

  /** The value currently stored, with its version, clock stamp and writer. */
  public record Stored(Object value, Object state, long version, long hlc, String deviceId) {
  }

  /** The write being decided. baseVersion is null when the client did not say which version it saw. */
  public record Incoming(Object value, Long baseVersion, long hlc, String deviceId, String userId, long serverHlc) {
  }
}
