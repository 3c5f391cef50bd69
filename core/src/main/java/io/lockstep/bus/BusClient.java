package io.lockstep.bus;

import io.lockstep.protocol.LockstepException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;

/**
 * Calls Lockstep's verticles over the event bus: a typed request to its {@link Operation}'s address,
 * its typed reply back. Failures come back as {@link LockstepException}s with their stable codes.
 */
public final class BusClient {

  private final Vertx vertx;

  public BusClient(Vertx vertx) {
    this.vertx = vertx;
  }

  public <R extends BusReply> Future<R> call(BusRequest<R> request) {
    return vertx.eventBus().<R>request(request.operation().address(), request)
        .map(Message::body)
        .recover(failure -> Future.failedFuture(LockstepException.of(failure)));
  }
}
