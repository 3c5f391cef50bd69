package io.lockstep.bus;

import io.lockstep.protocol.LockstepException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;

/**
 * Calls Lockstep's verticles over the event bus (JSON request and reply at each {@link Operation}'s
 * address). Failures come back as {@link LockstepException}s with their stable codes.
 */
public final class BusClient {

  private final Vertx vertx;

  public BusClient(Vertx vertx) {
    this.vertx = vertx;
  }

  public Future<JsonObject> call(Operation operation, JsonObject request) {
    return vertx.eventBus().<JsonObject>request(operation.address(), request)
        .map(Message::body)
        .recover(failure -> Future.failedFuture(LockstepException.of(failure)));
  }
}
