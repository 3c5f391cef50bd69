package io.lockstep.plugin;

import io.vertx.core.json.JsonObject;

/**
 * A write to an account-scoped setting, as a conflict policy sees it. Its wire form, the request body
 * on {@code lockstep.conflict.<policy>}:
 * <pre>{@code
 * {"key": "conversation.c1.muted",
 *  "default": false,
 *  "stored":   {"value": true, "state": null, "version": 3, "hlc": 117702546948669440, "device_id": "d-1"},
 *  "incoming": {"value": false, "base_version": 2, "hlc": 117702544981540864, "device_id": "d-2",
 *               "user_id": "alice", "server_hlc": 117702546948669441}}
 * }</pre>
 *
 * <p><b>Values.</b> {@link #defaultValue()}, {@link Stored#value()}, {@link Stored#state()} and
 * {@link Incoming#value()} are JSON values as Vert.x reads them: {@code null}, {@code String},
 * {@code Boolean}, {@code Number} ({@code Integer} for whole numbers that fit, else {@code Long} or
 * {@code BigInteger}; {@code Double} for any number written with a fraction or an exponent), or, when
 * nested, {@code io.vertx.core.json.JsonObject} and {@code io.vertx.core.json.JsonArray} (never a
 * {@code Map} or {@code List}). Compare numbers through {@link Number#doubleValue()} or
 * {@link Number#longValue()}, not with {@code equals}: {@code 5} and {@code 5.0} are different classes.
 * A value is the client's as it sent it, already checked to be storable (no NUL characters, finite
 * numbers, within the frame's size).
 *
 * <p><b>Clocks.</b> HLC stamps are hybrid-logical-clock values: milliseconds since the epoch shifted
 * left by 16 bits, plus a logical counter. The incoming stamp is the client's (clamped to at most
 * {@code settings.max_clock_skew} ahead of the server) or, when the client sent none, the server's.
 */
public final class ConflictRequest {

  private final JsonObject json;

  /**
   * A view of a request body.
   *
   * @param json the body as the server sent it
   */
  public ConflictRequest(JsonObject json) {
    this.json = json;
  }

  /**
   * The setting's key, e.g. {@code conversation.c1.muted}.
   *
   * @return the key
   */
  public String key() {
    return json.getString("key");
  }

  /**
   * The key's default from the key registry: its effective value while nothing is stored.
   *
   * @return any JSON value, null included
   */
  public Object defaultValue() {
    return json.getValue("default");
  }

  /**
   * The write currently stored.
   *
   * @return it, or null when the key has never been written for this user
   */
  public Stored stored() {
    JsonObject stored = json.getJsonObject("stored");
    return stored == null ? null : new Stored(stored.getValue("value"), stored.getValue("state"),
        stored.getLong("version"), stored.getLong("hlc"), stored.getString("device_id"));
  }

  /**
   * The write being decided.
   *
   * @return it, never null
   */
  public Incoming incoming() {
    JsonObject incoming = json.getJsonObject("incoming");
    return new Incoming(incoming.getValue("value"), incoming.getLong("base_version"), incoming.getLong("hlc"),
        incoming.getString("device_id"), incoming.getString("user_id"), incoming.getLong("server_hlc"));
  }

  /**
   * The wire form.
   *
   * @return the request body
   */
  public JsonObject toJson() {
    return json;
  }

  /**
   * The value currently stored, with its version, clock stamp and writer.
   *
   * @param value the stored value (see the class comment for its Java types)
   * @param state what the policy kept beside it with {@link ConflictDecision#merge(Object, Object)}, or null
   * @param version 1 for the first write, one more for each write stored since
   * @param hlc the stored write's clock stamp
   * @param deviceId the device that wrote it; null when it came through the server API
   */
  public record Stored(Object value, Object state, long version, long hlc, String deviceId) {
  }

  /**
   * The write being decided.
   *
   * @param value the value the writer wants stored (see the class comment for its Java types)
   * @param baseVersion the stored version the writer's value was based on, or null when it did not say
   * @param hlc the write's clock stamp
   * @param deviceId the writing device; null for a write through the server API
   * @param userId the user whose setting it is
   * @param serverHlc the server's own clock stamp, taken when it asked
   */
  public record Incoming(Object value, Long baseVersion, long hlc, String deviceId, String userId, long serverHlc) {
  }
}
