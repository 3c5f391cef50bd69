package io.lockstep.perf;

import io.lockstep.client.Connection;
import io.lockstep.client.Event;
import io.lockstep.client.Hello;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * One simulated device on the Java client ({@code clients/java}): it greets, follows its stream,
 * acks every 100 events (without id, as a phone would) and hands its listener every frame, with
 * batched backlog frames unpacked into their events.
 */
public final class Device {

  final String userId;
  final int index;
  /** The local address its connections leave from (null: the fleet's default). */
  final String sourceAddress;
  String deviceId;
  long lastSeq;
  private volatile Connection connection;
  /** How the server last closed this device's connection ("4008 slow_consumer"), null while it never did. */
  volatile String closedBy;
  private volatile Consumer<JsonObject> listener = frame -> { };
  private volatile boolean closing;

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

  /** Connects and greets; completes with synced's head. The cursor is the device's last seen seq once it has one. */
  Future<Long> connect(Fleet fleet, JsonObject helloFields) {
    closing = false;
    Hello hello = Hello.withToken(fleet.token(userId)).deviceId(deviceId)
        .cursor(deviceId != null && lastSeq > 0 ? lastSeq : null).extra(helloFields).streams();
    return Future.fromCompletionStage(fleet.clients(sourceAddress).connect()).compose(opened -> {
      connection = opened;
      opened.onFrame(this::onFrame).onEvent(this::onEvent);
      opened.closed().thenAccept(reason -> {
        if (!closing) {
          closedBy = reason.toString();
        }
        fleet.disconnected(this);
      });
      return Future.fromCompletionStage(opened.hello(hello).thenCompose(welcome -> {
        deviceId = welcome.deviceId();
        return opened.synced();
      })).timeout(120, TimeUnit.SECONDS).onSuccess(head -> {
        lastSeq = Math.max(lastSeq, head);
        fleet.connected(this);
      });
    });
  }

  /** Every frame but events, which {@link #onEvent} hands on one by one. */
  private void onFrame(JsonObject frame) {
    String type = frame.getString("type");
    if ("event".equals(type) || "events".equals(type) && frame.getValue("id") == null) {
      return;
    }
    listener.accept(frame);
  }

  /** Acks every hundredth event of its log or of a stream, as a client that stores events in batches would. */
  private void onEvent(Event event) {
    if (event.stream() != null) {
      if (event.seq() % 100 == 0) {
        connection.ackStreamQuietly(event.stream(), event.seq());
      }
    } else {
      lastSeq = Math.max(lastSeq, event.seq());
      if (event.seq() % 100 == 0) {
        connection.ackQuietly(event.seq());
      }
    }
    listener.accept(event.frame());
  }

  void send(JsonObject frame) {
    Connection open = connection;
    if (open != null && open.isOpen()) {
      open.write(frame);
    }
  }

  /** Sends a request with an id and completes with the frame answering it (an error frame fails it). */
  Future<JsonObject> request(JsonObject frame) {
    Connection open = connection;
    if (open == null || !open.isOpen()) {
      return Future.failedFuture("device " + deviceId + " is not connected");
    }
    return Future.fromCompletionStage(open.request(frame));
  }

  Future<Void> close() {
    closing = true;
    Connection open = connection;
    return open == null || !open.isOpen() ? Future.succeededFuture() : Future.fromCompletionStage(open.close());
  }

  boolean isOpen() {
    Connection open = connection;
    return open != null && open.isOpen();
  }
}
