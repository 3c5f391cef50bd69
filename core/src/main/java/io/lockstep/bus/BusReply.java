package io.lockstep.bus;

import io.vertx.core.json.JsonObject;

/** A typed reply on the event bus, with the JSON a client receives for it (the body of its result frame). */
public interface BusReply {

  JsonObject toJson();
}
