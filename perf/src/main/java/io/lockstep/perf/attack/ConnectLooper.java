package io.lockstep.perf.attack;

import io.lockstep.client.ClientOptions;
import io.lockstep.client.Connection;
import io.lockstep.client.LockstepClient;
import io.lockstep.client.UpgradeRefusedException;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One client opening and closing WebSocket connections in loops (several at once), as fast as it
 * gets answers and ignoring Retry-After: each connection greets as the same device (the first
 * creates it) and, once the hello is answered, is closed while the next one opens (it does not wait
 * for the closing handshake). The server should refuse upgrades past the address's limit with HTTP
 * 429 and Retry-After, hellos past theirs and connections past the user's with rate_limited.
 */
final class ConnectLooper implements Attacker {

  private static final long ANSWER_TIMEOUT_MS = 5_000;

  private final Vertx vertx;
  private final LockstepClient client;
  private final String address;
  private final String token;
  private final Tally outcomes = new Tally();
  private final AtomicLong attempts = new AtomicLong();
  private final AtomicLong largestRetryAfterSeconds = new AtomicLong(-1);
  private final int loops;
  private final CountDownLatch done;
  private volatile String deviceId;
  private volatile boolean stopped;

  ConnectLooper(Vertx vertx, int port, String address, String token, int loops) {
    this.loops = loops;
    this.done = new CountDownLatch(loops);
    this.vertx = vertx;
    this.client = LockstepClient.create(vertx, ClientOptions.of("127.0.0.1", port).withLocalAddress(address));
    this.address = address;
    this.token = token;
  }

  @Override
  public String name() {
    return "connect_looper";
  }

  @Override
  public void start() {
    for (int i = 0; i < loops; i++) {
      vertx.runOnContext(v -> next());
    }
  }

  private void next() {
    if (stopped) {
      done.countDown();
      return;
    }
    attempts.incrementAndGet();
    client.connect().whenComplete((connection, failure) -> {
      if (failure == null) {
        outcomes.add("http_101");
        greetAndClose(connection);
        return;
      }
      Throwable cause = failure instanceof CompletionException ? failure.getCause() : failure;
      if (cause instanceof UpgradeRefusedException refused) {
        outcomes.add("http_" + refused.status());
        if (refused.retryAfterSeconds() >= 0) {
          largestRetryAfterSeconds.accumulateAndGet(refused.retryAfterSeconds(), Math::max);
        } else if (refused.status() == 429) {
          outcomes.add("http_429_without_retry_after");
        }
      } else {
        outcomes.add("connect_failed");
      }
      vertx.runOnContext(v -> next());
    });
  }

  /** Greets; on the first answer (or none within the timeout, or a close) closes it and opens the next. */
  private void greetAndClose(Connection connection) {
    boolean[] answered = {false};
    Runnable closeAndGoOn = () -> vertx.runOnContext(v -> {
      if (!answered[0]) {
        answered[0] = true;
        connection.close();
        next();
      }
    });
    long timer = vertx.setTimer(ANSWER_TIMEOUT_MS, id -> {
      outcomes.add("hello_unanswered");
      closeAndGoOn.run();
    });
    connection.closed().thenAccept(reason -> vertx.runOnContext(v -> {
      vertx.cancelTimer(timer);
      if (!answered[0]) {
        outcomes.add("closed_before_answer_" + reason.code());
      }
      closeAndGoOn.run();
    }));
    connection.onFrame(frame -> {
      String type = frame.getString("type");
      if ("welcome".equals(type)) {
        deviceId = frame.getString("device_id");
        outcomes.add("welcomed");
      } else if ("error".equals(type)) {
        outcomes.add("hello_" + frame.getString("code")
            + (frame.getString("limit") == null ? "" : "_" + frame.getString("limit")));
      } else {
        return;
      }
      vertx.cancelTimer(timer);
      closeAndGoOn.run();
    });
    JsonObject hello = new JsonObject().put("type", "hello").put("token", token);
    if (deviceId != null) {
      hello.put("device_id", deviceId);
    }
    connection.helloFrame(hello);
  }

  @Override
  public void stop() {
    stopped = true;
    try {
      done.await(ANSWER_TIMEOUT_MS + 5_000, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    client.close();
  }

  @Override
  public JsonObject fate() {
    return new JsonObject()
        .put("source_address", address)
        .put("loops_at_once", loops)
        .put("attempts", attempts.get())
        .put("outcomes", outcomes.toJson())
        .put("largest_retry_after_s", largestRetryAfterSeconds.get() < 0 ? null : largestRetryAfterSeconds.get());
  }
}
