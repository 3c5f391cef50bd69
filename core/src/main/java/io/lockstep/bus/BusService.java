package io.lockstep.bus;

import io.lockstep.metrics.LockstepMetrics;
import io.lockstep.protocol.ErrorCode;
import io.lockstep.protocol.LockstepException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.function.Function;

/**
 * Answers one {@link Operation} on the event bus: runs the handler (validation failures thrown
 * inside it become failed replies), and maps failures to stable error codes once, logging only the
 * unexpected ones.
 */
public final class BusService {

  private static final Logger LOG = LoggerFactory.getLogger(BusService.class);

  private BusService() {
  }

  public static Future<Void> answer(Vertx vertx, LockstepMetrics metrics, Operation operation,
                                    Function<JsonObject, Future<JsonObject>> handler) {
    return vertx.eventBus().<JsonObject>consumer(operation.address(), message -> Future.<Void>succeededFuture()
        .compose(v -> handler.apply(message.body()))
        .onSuccess(message::reply)
        .onFailure(failure -> {
          LockstepException error = LockstepException.of(failure);
          if (error.code() == ErrorCode.INTERNAL) {
            if (failure instanceof PgException) {
              metrics.postgresErrors.increment();
            }
            LOG.error("{} failed", operation.address(), failure);
          }
          message.fail(error.code().failureCode(), error.busMessage());
        })).completion();
  }
}
