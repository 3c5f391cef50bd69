package io.lockstep.client;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;

/** One page of the user's log as {@code sync} answers it: the events, whether more follow, the head. */
public record Page(List<Event> events, boolean hasMore, long head) {

  static Page of(JsonObject frame) {
    JsonArray array = frame.getJsonArray("events");
    List<Event> events = new ArrayList<>(array.size());
    for (int i = 0; i < array.size(); i++) {
      events.add(Event.of(array.getJsonObject(i)));
    }
    return new Page(List.copyOf(events), frame.getBoolean("has_more", false), frame.getLong("head", 0L));
  }

  /** The seq of the last event, or the given one when the page is empty. */
  public long lastSeq(long otherwise) {
    return events.isEmpty() ? otherwise : events.get(events.size() - 1).seq();
  }
}
