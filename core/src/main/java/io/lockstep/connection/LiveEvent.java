package io.lockstep.connection;

import io.lockstep.protocol.EventFrames;
import io.vertx.core.json.JsonObject;

/**
 * A committed event on its way to the live sessions of its user on this node, its frame built once
 * for all of them. {@code revokedDevice} is the device a {@code device/revoked} event revokes, else null.
 */
record LiveEvent(long seq, long ts, String kind, String frame, String revokedDevice) {

  /** From a delivery payload's event: {seq, ts, kind, tail, revokes?} (see io.lockstep.sync.Delivery). */
  static LiveEvent of(JsonObject event) {
    long seq = event.getLong("seq");
    return new LiveEvent(seq, event.getLong("ts"), event.getString("kind"), EventFrames.frame(seq, event.getString("tail")),
        event.getString("revokes"));
  }

  /** Its size as the held-events budget counts it (characters, close to bytes for JSON). */
  int size() {
    return frame.length();
  }
}
