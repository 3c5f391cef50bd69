package io.lockstep.sync;

import io.vertx.core.Future;
import io.vertx.core.Promise;

import java.util.ArrayDeque;
import java.util.Queue;
import java.util.function.Supplier;

/**
 * Lets at most a fixed number of log pages be read from PostgreSQL at once, the rest waiting in
 * arrival order, so that catch-up and paging (large reads) never hold every pooled connection and the
 * sends, acks and reads beside them always find one. Confined to its verticle's event loop.
 */
final class PageGate {

  private final int permits;
  private final Queue<Runnable> waiting = new ArrayDeque<>();
  private int running;

  PageGate(int permits) {
    this.permits = permits;
  }

  <T> Future<T> run(Supplier<Future<T>> read) {
    Promise<T> result = Promise.promise();
    Runnable start = () -> {
      running++;
      read.get().onComplete(done -> {
        running--;
        Runnable next = waiting.poll();
        if (next != null) {
          next.run();
        }
      }).onComplete(result);
    };
    if (running < permits) {
      start.run();
    } else {
      waiting.add(start);
    }
    return result.future();
  }
}
