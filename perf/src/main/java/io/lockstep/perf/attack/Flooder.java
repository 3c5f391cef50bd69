package io.lockstep.perf.attack;

import io.lockstep.client.ClientOptions;
import io.lockstep.client.Connection;
import io.lockstep.client.Hello;
import io.lockstep.client.LockstepClient;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One device flooding `send` frames as fast as its socket takes them (it waits only when Vert.x's
 * write queue is full, i.e. for TCP), each with a body of about 60 KB, into a conversation with a
 * user who has no device online. It reads and counts every answer. The server should admit its
 * sends at the configured rate, answer the rest rate_limited, stop reading it when it keeps on,
 * and keep it connected.
 */
final class Flooder implements Attacker {

  private final LockstepClient client;
  private final String address;
  private final String token;
  private final String conversationId;
  private final String body;
  private final AtomicLong written = new AtomicLong();
  private final AtomicLong sent = new AtomicLong();
  private final AtomicLong drains = new AtomicLong();
  private final Tally errors = new Tally();
  private volatile Connection connection;
  private volatile String closed;
  private volatile String failed;
  private volatile boolean stopped;

  Flooder(Vertx vertx, int port, String address, String token, String conversationId, int bodyChars) {
    this.client = LockstepClient.create(vertx, ClientOptions.of("127.0.0.1", port).withLocalAddress(address));
    this.address = address;
    this.token = token;
    this.conversationId = conversationId;
    this.body = "x".repeat(bodyChars);
  }

  @Override
  public String name() {
    return "flooder";
  }

  @Override
  public void start() {
    client.connect().whenComplete((opened, failure) -> {
      if (failure != null) {
        failed = failure.getMessage();
        return;
      }
      connection = opened;
      opened.closed().thenAccept(reason -> {
        if (!stopped) {
          closed = reason.toString();
        }
      });
      opened.onFrame(this::onAnswer).onDrain(() -> {
        drains.incrementAndGet();
        flood();
      });
      opened.hello(Hello.withToken(token));
    });
  }

  private void onAnswer(JsonObject frame) {
    switch (frame.getString("type")) {
      case "synced" -> flood();
      case "sent" -> sent.incrementAndGet();
      case "error" -> errors.add(frame.getString("code")
          + (frame.getString("limit") == null ? "" : "_" + frame.getString("limit")));
      default -> {
      }
    }
  }

  /** Writes sends until the write queue is full; the drain handler calls it again. */
  private void flood() {
    Connection open = connection;
    while (!stopped && open.isOpen() && !open.writeQueueFull()) {
      long n = written.incrementAndGet();
      open.write(new JsonObject().put("type", "send").put("id", n).put("client_msg_id", "flood-" + n)
          .put("conversation_id", conversationId).put("body", new JsonObject().put("text", body)));
    }
  }

  @Override
  public void stop() {
    stopped = true;
    Connection open = connection;
    if (open != null && open.isOpen()) {
      try {
        open.close().get(5, TimeUnit.SECONDS);
      } catch (Exception ignored) {
        // it is stopped either way
      }
    }
    client.close();
  }

  @Override
  public JsonObject fate() {
    return new JsonObject()
        .put("source_address", address)
        .put("body_chars", body.length())
        .put("sends_written", written.get())
        .put("sent", sent.get())
        .put("errors", errors.toJson())
        .put("write_queue_drains", drains.get())
        .put("closed_by_server", closed)
        .put("connect_failed", failed);
  }
}
