package io.lockstep.bus;

import io.lockstep.metrics.LockstepMetrics;
import io.lockstep.protocol.ErrorCode;
import io.lockstep.protocol.LockstepException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.function.Function;

/**
 * Answers one {@link Operation} on the event bus: runs the handler (validation failures thrown
 * inside it become failed replies), and maps failures to stable error codes once, logging only the
 * unexpected ones. Operations are answered on the node that asked (local consumers): in a cluster a
 * request never travels to, or waits on, another node.
 */
public final class BusService {

  private static final Logger LOG = LoggerFactory.getLogger(BusService.class);

  private static final DeliveryOptions LOCAL_ONLY = new DeliveryOptions().setLocalOnly(true);

  private BusService() {
  }

  /** Publishes a server event to this node's listeners only (each node publishes its own changes). */
  public static void publishLocally(Vertx vertx, String address, JsonObject body) {
    vertx.eventBus().publish(address, body, LOCAL_ONLY);
  }

  /** Answers one operation with a typed handler; the request type is the one its {@link BusRequest}s name. */
  public static <Q extends BusRequest<R>, R extends BusReply> Future<Void> answer(
      Vertx vertx, LockstepMetrics metrics, Operation operation, Function<Q, Future<R>> handler) {
    return vertx.eventBus().<Q>localConsumer(operation.address(), message -> Future.<Void>succeededFuture()
        .compose(v -> handler.apply(message.body()))
        .onSuccess(message::reply)
        .onFailure(failure -> {
          LockstepException error = Rejections.toError(failure);
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
