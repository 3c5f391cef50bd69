package io.lockstep.client;

import io.vertx.core.json.JsonObject;

/** One entry of the user's log: its position, kind ({@code message}, {@code read_state}, ...), commit time and data. */
public record Event(long seq, String kind, long ts, JsonObject data, JsonObject frame) {

  static Event of(JsonObject frame) {
    return new Event(frame.getLong("seq"), frame.getString("kind"), frame.getLong("ts", 0L), frame.getJsonObject("data"),
        frame);
  }
}
