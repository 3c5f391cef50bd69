package io.lockstep.perf.attack;

import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
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

  private final WebSocketClient client;
  private final int port;
  private final String address;
  private final String token;
  private final String conversationId;
  private final String body;
  private final AtomicLong written = new AtomicLong();
  private final AtomicLong sent = new AtomicLong();
  private final AtomicLong drains = new AtomicLong();
  private final Tally errors = new Tally();
  private volatile WebSocket socket;
  private volatile String closed;
  private volatile String failed;
  private volatile boolean stopped;

  Flooder(Vertx vertx, int port, String address, String token, String conversationId, int bodyChars) {
    this.client = vertx.createWebSocketClient(new WebSocketClientOptions().setLocalAddress(address)
        .setDefaultHost("127.0.0.1").setDefaultPort(port));
    this.port = port;
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
    client.connect(port, "127.0.0.1", "/v1/ws").onSuccess(ws -> {
      socket = ws;
      ws.closeHandler(v -> {
        if (!stopped) {
          closed = ws.closeStatusCode() + " " + ws.closeReason();
        }
      });
      ws.exceptionHandler(failure -> { });
      ws.textMessageHandler(this::onAnswer);
      ws.drainHandler(v -> {
        drains.incrementAndGet();
        flood();
      });
      ws.writeTextMessage(new JsonObject().put("type", "hello").put("token", token).encode());
    }).onFailure(failure -> failed = failure.getMessage());
  }

  private void onAnswer(String text) {
    JsonObject frame = new JsonObject(text);
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
    WebSocket ws = socket;
    while (!stopped && !ws.isClosed() && !ws.writeQueueFull()) {
      long n = written.incrementAndGet();
      ws.writeTextMessage(new JsonObject().put("type", "send").put("id", n).put("client_msg_id", "flood-" + n)
          .put("conversation_id", conversationId).put("body", new JsonObject().put("text", body)).encode());
    }
  }

  @Override
  public void stop() {
    stopped = true;
    WebSocket ws = socket;
    if (ws != null && !ws.isClosed()) {
      try {
        ws.close().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
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
