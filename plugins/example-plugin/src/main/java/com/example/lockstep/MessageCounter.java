package com.example.lockstep;

import io.lockstep.plugin.ServerEvents;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;

import java.util.HashMap;
import java.util.Map;

/**
 * An extension verticle: listens to every message the node commits and keeps a count per
 * conversation, answering {@code {conversation_id}} with {@code {count}} on its address. A real
 * integration would forward the events to a search index or an analytics pipeline instead.
 */
// snippet:begin extension
public final class MessageCounter extends VerticleBase {

  static final String DEFAULT_ADDRESS = "example.messages.count";

  private final String address;
  private final Map<String, Long> counts = new HashMap<>();

  MessageCounter(String address) {
    this.address = address;
  }

  @Override
  public Future<?> start() {
    return Future.all(
        vertx.eventBus().<JsonObject>consumer(ServerEvents.MESSAGE, message ->
            counts.merge(message.body().getString("conversation_id"), 1L, Long::sum)).completion(),
        vertx.eventBus().<JsonObject>consumer(address, request ->
            request.reply(new JsonObject().put("count", counts.getOrDefault(request.body().getString("conversation_id"), 0L))))
            .completion());
  }
}
// snippet:end
