package io.lockstep.client;

import io.vertx.core.json.JsonObject;

/**
 * One entry of the user's log, or of a stream (a large conversation): its position, kind ({@code message},
 * {@code read_state}, ...), commit time and data. In a stream, seq is the message's conv_seq.
 */
public record Event(long seq, String kind, long ts, JsonObject data, JsonObject frame) {

  /** The conversation whose stream this event belongs to, or null for an event of the user's log. */
  public String stream() {
    return frame.getString("stream");
  }

  static Event of(JsonObject frame) {
    return new Event(frame.getLong("seq"), frame.getString("kind"), frame.getLong("ts", 0L), frame.getJsonObject("data"),
        frame);
  }
}
