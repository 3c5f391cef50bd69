package io.lockstep.sync;

import io.lockstep.protocol.LockstepException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;

/**
 * Calls the sync verticle over the event bus ({@code lockstep.sync.<operation>}, JSON request and
 * reply). Failures come back as {@link LockstepException}s with their stable codes.
 */
public final class SyncClient {

  public static final String PREFIX = "lockstep.sync.";

  /** The operations the sync verticle answers, each at PREFIX + its name. */
  public enum Operation {
    HELLO("hello"), SEND("send"), ACK("ack"), FETCH("fetch"), HISTORY("history"), SNAPSHOT("snapshot"),
    CREATE_CONVERSATION("conversation.create"), ADD_MEMBER("conversation.add_member"),
    REMOVE_MEMBER("conversation.remove_member"), REGISTER_DEVICE("device.register"), LIST_DEVICES("device.list"),
    RENAME_DEVICE("device.rename"), REVOKE_DEVICE("device.revoke");

    private final String name;

    Operation(String name) {
      this.name = name;
    }

    public String address() {
      return PREFIX + name;
    }
  }

  private final Vertx vertx;

  public SyncClient(Vertx vertx) {
    this.vertx = vertx;
  }

  public Future<JsonObject> call(Operation operation, JsonObject request) {
    return vertx.eventBus().<JsonObject>request(operation.address(), request)
        .map(Message::body)
        .recover(failure -> Future.failedFuture(LockstepException.of(failure)));
  }
}
