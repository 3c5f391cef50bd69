package io.lockstep.readstate;

import io.lockstep.bus.BusService;
import io.lockstep.bus.Operation;
import io.lockstep.plugin.ServerEvents;
import io.lockstep.metrics.LockstepMetrics;
import io.lockstep.protocol.ErrorCode;
import io.lockstep.protocol.Events;
import io.lockstep.protocol.Fields;
import io.lockstep.protocol.LockstepException;
import io.lockstep.store.ReadStateStore;
import io.lockstep.sync.Delivery;
import io.lockstep.presence.PresenceRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;

import java.util.List;

/**
 * Account-level read state: `read` moves the user's read cursor of a conversation forward (never
 * back), `mark_unread` sets the explicit unread flag, and every change lands in the user's log as a
 * read_state event, with read receipts to the other senders unless the reader keeps them private.
 * Answers on {@code lockstep.readstate.*}; replies only after the change committed.
 */
public final class ReadStateVerticle extends VerticleBase {

  private final Pool pool;
  private final PresenceRegistry presence;
  private final LockstepMetrics metrics;
  private ReadStateStore store;
  private Delivery delivery;

  public ReadStateVerticle(Pool pool, PresenceRegistry presence, LockstepMetrics metrics) {
    this.pool = pool;
    this.presence = presence;
    this.metrics = metrics;
  }

  @Override
  public Future<?> start() {
    store = new ReadStateStore(pool);
    delivery = new Delivery(vertx, presence, metrics);
    return Future.all(List.of(
        BusService.answer(vertx, metrics, Operation.READ, this::read),
        BusService.answer(vertx, metrics, Operation.MARK_UNREAD, this::markUnread),
        BusService.answer(vertx, metrics, Operation.LIST_CONVERSATIONS,
            request -> store.conversations(request.getString("user_id")))));
  }

  private Future<JsonObject> read(JsonObject request) {
    String conversationId = Fields.requiredId(request, "conversation_id");
    long upTo = Fields.requiredCount(request, "up_to");
    return store.read(request.getString("user_id"), conversationId, upTo)
        .map(outcome -> answer(outcome, request, conversationId));
  }

  private Future<JsonObject> markUnread(JsonObject request) {
    String conversationId = Fields.requiredId(request, "conversation_id");
    return store.markUnread(request.getString("user_id"), conversationId)
        .map(outcome -> answer(outcome, request, conversationId));
  }

  private JsonObject answer(ReadStateStore.Outcome outcome, JsonObject request, String conversationId) {
    switch (outcome.outcome()) {
      case "not_found" -> throw new LockstepException(ErrorCode.NOT_FOUND, "no conversation " + conversationId);
      case "not_member" -> throw new LockstepException(ErrorCode.NOT_MEMBER,
          "you are not a member of conversation " + conversationId);
      case "beyond_head" -> throw Fields.invalid("up_to", "is above the conversation's head ("
          + outcome.state().getLong("head") + ")");
      case "unchanged" -> metrics.readsUnchanged.increment();
      default -> {
        metrics.eventsWritten.increment(outcome.events().size());
        Long receivedAt = request.getLong("received_at");
        delivery.deliver(Events.byUser(outcome.events()), receivedAt == null ? null
            : new Delivery.Origin(request.getString("device_id"), receivedAt));
        BusService.publishLocally(vertx, ServerEvents.READ_STATE, outcome.state().copy()
            .put("user_id", request.getString("user_id")).put("device_id", request.getString("device_id")));
      }
    }
    return outcome.state();
  }
}
