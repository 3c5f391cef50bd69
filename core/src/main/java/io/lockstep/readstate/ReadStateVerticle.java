package io.lockstep.readstate;

import io.lockstep.bus.BusService;
import io.lockstep.bus.Caller;
import io.lockstep.bus.Operation;
import io.lockstep.bus.ReadStateCalls.ConversationStates;
import io.lockstep.bus.ReadStateCalls.ListConversations;
import io.lockstep.bus.ReadStateCalls.MarkUnread;
import io.lockstep.bus.ReadStateCalls.Read;
import io.lockstep.bus.ReadStateCalls.ReadState;
import io.lockstep.bus.ReadStateCalls.Repair;
import io.lockstep.bus.ReadStateCalls.StateReply;
import io.lockstep.plugin.ServerEvents;
import io.lockstep.metrics.LockstepMetrics;
import io.lockstep.store.ReadStateStore;
import io.lockstep.sync.Delivery;
import io.lockstep.presence.PresenceRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.sqlclient.Pool;

import java.util.List;

/**
 * Account-level read state: `read` moves the user's read cursor of a conversation forward (never
 * back), `mark_unread` sets the explicit unread flag, and every change lands in the user's log as a
 * read_state event, with read receipts to the other senders unless the reader keeps them private.
 * A device whose state digest disagreed gets the whole read state and account settings (repair).
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
        BusService.answer(vertx, metrics, Operation.LIST_CONVERSATIONS, this::list),
        BusService.answer(vertx, metrics, Operation.REPAIR, this::repair)));
  }

  private Future<ReadState> read(Read request) {
    return store.read(request.caller().userId(), request.conversationId(), request.upTo())
        .map(outcome -> committed(outcome, request.caller(), request.receivedAt()));
  }

  private Future<ReadState> markUnread(MarkUnread request) {
    return store.markUnread(request.caller().userId(), request.conversationId())
        .map(outcome -> committed(outcome, request.caller(), request.receivedAt()));
  }

  private Future<ConversationStates> list(ListConversations request) {
    return store.conversations(request.caller().userId()).map(ConversationStates::new);
  }

  /**
   * The whole state for a device whose digest disagreed. A digest that differs from the server's is
   * counted as a divergence (a change committed between the device's last event and this read can
   * make an honest digest differ too; the device asked because it saw a mismatch, so it is counted).
   */
  private Future<StateReply> repair(Repair request) {
    return store.state(request.caller().userId()).compose(state -> {
      boolean diverged = request.digest() != null && !request.digest().equals(state.digest());
      StateReply reply = new StateReply(state.seq(), state.digest(), state.conversations(), state.settings(),
          state.totalUnread(), diverged);
      if (!diverged) {
        return Future.succeededFuture(reply);
      }
      metrics.stateDivergence.increment();
      return store.divergence(request.caller().deviceId()).map(reply);
    });
  }

  private ReadState committed(ReadStateStore.Outcome outcome, Caller caller, Long receivedAt) {
    if (!outcome.changed()) {
      metrics.readsUnchanged.increment();
      return new ReadState(outcome.state());
    }
    delivery.deliverRows(outcome.events(), receivedAt == null ? null : new Delivery.Origin(caller.deviceId(), receivedAt));
    BusService.publishLocally(vertx, ServerEvents.READ_STATE, outcome.state().copy()
        .put("user_id", caller.userId()).put("device_id", caller.deviceId()));
    return new ReadState(outcome.state());
  }
}
