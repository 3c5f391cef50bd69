package io.lockstep.perf;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.http.WebSocket;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * One simulated device: a WebSocket speaking Lockstep's protocol. It greets, follows its stream,
 * acks every 100 events (without id, as a phone would) and hands every frame to its listener.
 */
public final class Device {

  final String userId;
  final int index;
  /** The local address its connections leave from (null: the fleet's default). */
  final String sourceAddress;
  String deviceId;
  long lastSeq;
  private WebSocket socket;
  /** How the server last closed this device's connection ("4008 slow_consumer"), null while it never did. */
  volatile String closedBy;
  private volatile Consumer<JsonObject> listener = frame -> { };
  private volatile boolean closing;
  private Promise<JsonObject> syncedPromise;

  Device(String userId, int index) {
    this(userId, index, null);
  }

  Device(String userId, int index, String sourceAddress) {
    this.userId = userId;
    this.index = index;
    this.sourceAddress = sourceAddress;
  }

  void listen(Consumer<JsonObject> listener) {
    this.listener = listener;
  }

  /** Connects and greets; completes with the synced frame. The cursor is the device's last seen seq once it has one. */
  Future<JsonObject> connect(Fleet fleet, JsonObject helloFields) {
    syncedPromise = Promise.promise();
    closing = false;
    // the handshake has its own deadline: a server that accepted the TCP connection into its backlog
    // but cannot take it (out of file descriptors) would otherwise leave it waiting forever
    return fleet.sockets(sourceAddress).connect(fleet.port(), "127.0.0.1", "/v1/ws").timeout(60, TimeUnit.SECONDS).compose(ws -> {
      socket = ws;
      Promise<JsonObject> pending = syncedPromise;
      ws.closeHandler(v -> {
        if (!closing) {
          closedBy = ws.closeStatusCode() + " " + ws.closeReason();
        }
        fleet.disconnected(this);
        pending.tryFail("closed before synced");
      });
      ws.textMessageHandler(this::onText);
      ws.exceptionHandler(failure -> { });
      JsonObject hello = new JsonObject().put("type", "hello").put("token", fleet.token(userId)).mergeIn(helloFields);
      if (deviceId != null) {
        hello.put("device_id", deviceId);
        if (lastSeq > 0) {
          hello.put("cursor", lastSeq);
        }
      }
      ws.writeTextMessage(hello.encode());
      return syncedPromise.future().timeout(120, TimeUnit.SECONDS)
          .onSuccess(synced -> fleet.connected(this));
    });
  }

  private void onText(String text) {
    JsonObject frame = new JsonObject(text);
    String type = frame.getString("type");
    switch (type) {
      case "welcome" -> deviceId = frame.getString("device_id");
      case "synced" -> {
        lastSeq = Math.max(lastSeq, frame.getLong("head"));
        syncedPromise.tryComplete(frame);
      }
      case "event" -> onEvent(frame);
      case "events" -> {
        if (frame.getValue("id") == null) {
          JsonArray events = frame.getJsonArray("events");
          for (int i = 0; i < events.size(); i++) {
            JsonObject event = events.getJsonObject(i);
            onEvent(event);
            listener.accept(event);
          }
          return;
        }
      }
      case "error" -> {
        if (frame.getValue("id") == null && !syncedPromise.future().isComplete()) {
          syncedPromise.tryFail(frame.getString("code") + ": " + frame.getString("message"));
        }
      }
      default -> {
      }
    }
    listener.accept(frame);
  }

  /** Acks every hundredth event, as a client that stores events in batches would. */
  private void onEvent(JsonObject event) {
    long seq = event.getLong("seq");
    lastSeq = Math.max(lastSeq, seq);
    if (seq % 100 == 0) {
      send(new JsonObject().put("type", "ack").put("up_to", seq));
    }
  }

  void send(JsonObject frame) {
    if (socket != null && !socket.isClosed()) {
      socket.writeTextMessage(frame.encode());
    }
  }

  Future<Void> close() {
    closing = true;
    return socket == null || socket.isClosed() ? Future.succeededFuture() : socket.close();
  }

  boolean isOpen() {
    return socket != null && !socket.isClosed();
  }
}
