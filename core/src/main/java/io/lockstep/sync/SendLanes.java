package io.lockstep.sync;

import io.lockstep.metrics.LockstepMetrics;
import io.lockstep.store.LogStore;
import io.lockstep.store.LogStore.SendInput;
import io.lockstep.store.LogStore.SendOutcome;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgException;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Group commit per conversation, shared by the node's sync verticles. A send to a conversation with no
 * batch in flight goes to the database at once; sends that arrive while one is in flight wait in the
 * conversation's lane and go together, in arrival order, as the next batch (one transaction, one
 * commit: lockstep_send_batch). Sends to one conversation hold its row lock until commit, so without
 * this a busy conversation takes one commit per message; with it, one per batch.
 */
public final class SendLanes {

  /** The most sends one transaction carries. */
  static final int MAX_BATCH = 32;
  private static final String UNIQUE_VIOLATION = "23505";

  private final Vertx vertx;
  private final LogStore log;
  private final LockstepMetrics metrics;
  private final Map<String, Lane> lanes = new ConcurrentHashMap<>();

  public SendLanes(Vertx vertx, LogStore log, LockstepMetrics metrics) {
    this.vertx = vertx;
    this.log = log;
    this.metrics = metrics;
  }

  private record Waiting(SendInput send, Promise<SendOutcome> answer, Context context) {
  }

  /** One conversation's queue; running while a batch of it is in the database, retired once left empty. */
  private static final class Lane {
    final ArrayDeque<Waiting> queue = new ArrayDeque<>();
    boolean running;
    boolean retired;
  }

  /** Sends one message; its outcome is answered on the caller's context. */
  public Future<SendOutcome> send(String conversationId, SendInput send) {
    Promise<SendOutcome> answer = Promise.promise();
    Waiting waiting = new Waiting(send, answer, vertx.getOrCreateContext());
    while (true) {
      Lane lane = lanes.computeIfAbsent(conversationId, id -> new Lane());
      boolean start;
      synchronized (lane) {
        if (lane.retired) {
          continue;
        }
        lane.queue.add(waiting);
        start = !lane.running;
        lane.running = true;
      }
      if (start) {
        next(conversationId, lane);
      }
      return answer.future();
    }
  }

  private void next(String conversationId, Lane lane) {
    List<Waiting> batch = new ArrayList<>();
    synchronized (lane) {
      while (batch.size() < MAX_BATCH && !lane.queue.isEmpty()) {
        batch.add(lane.queue.poll());
      }
      if (batch.isEmpty()) {
        lane.running = false;
        lane.retired = true;
        lanes.remove(conversationId, lane);
        return;
      }
    }
    List<SendInput> sends = batch.stream().map(Waiting::send).toList();
    metrics.sendBatch.record(sends.size());
    log.sendBatch(conversationId, sends)
        .recover(failure -> isUniqueViolation(failure)
            ? log.sendBatch(conversationId, sends)
            : Future.failedFuture(failure))
        .onComplete(done -> {
          for (int i = 0; i < batch.size(); i++) {
            Waiting waiting = batch.get(i);
            Future<SendOutcome> outcome = done.failed() ? Future.failedFuture(done.cause()) : done.result().get(i);
            waiting.context().runOnContext(v -> waiting.answer().handle(outcome));
          }
          next(conversationId, lane);
        });
  }

  /** Two sends with one idempotency key racing from two nodes: the loser's batch is tried again and answers duplicate. */
  private static boolean isUniqueViolation(Throwable failure) {
    return failure instanceof PgException pg && UNIQUE_VIOLATION.equals(pg.getSqlState());
  }
}
