package io.lockstep.test;

import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

import static io.lockstep.test.LockstepNode.await;

/**
 * A device that speaks Lockstep's protocol over a real WebSocket, raw or SockJS, and records every
 * frame it receives, in order. Test steps block on what they expect, with a timeout.
 */
public final class TestDevice {

  public enum Transport { WEBSOCKET, SOCKJS }

  private static final Duration WAIT = Duration.ofSeconds(20);
  private static final AtomicLong IDS = new AtomicLong();

  private final WebSocketClient client;
  private final int port;
  private final Transport transport;
  private final String token;
  private String deviceId;
  private WebSocket socket;
  private final List<JsonObject> received = new ArrayList<>();
  private Integer closeCode;

  TestDevice(Vertx vertx, int port, String token, Transport transport) {
    this.client = vertx.createWebSocketClient();
    this.port = port;
    this.token = token;
    this.transport = transport;
  }

  public String deviceId() {
    return deviceId;
  }

  public TestDevice withDeviceId(String id) {
    this.deviceId = id;
    return this;
  }

  /** Opens a new connection (dropping the record of the previous one). */
  public TestDevice connect() {
    synchronized (this) {
      received.clear();
      closeCode = null;
    }
    String uri = transport == Transport.WEBSOCKET ? "/v1/ws"
        : "/v1/sockjs/000/" + UUID.randomUUID().toString().substring(0, 8) + "/websocket";
    socket = await(client.connect(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(port).setURI(uri)));
    socket.textMessageHandler(this::onText);
    socket.closeHandler(v -> onClose(socket.closeStatusCode() == null ? -1 : socket.closeStatusCode()));
    return this;
  }

  private void onText(String text) {
    if (transport == Transport.WEBSOCKET) {
      record(new JsonObject(text));
      return;
    }
    switch (text.charAt(0)) {
      case 'a' -> new JsonArray(text.substring(1)).forEach(message -> {
        JsonObject frame = new JsonObject((String) message);
        record(frame);
        if ("close".equals(frame.getString("type"))) {
          onClose(frame.getInteger("code"));
        }
      });
      case 'c' -> onClose(new JsonArray(text.substring(1)).getInteger(0));
      // the application's close code arrives first as a {type: "close"} frame; SockJS then sends c[3000, ...]
      default -> {
        // 'o' (open) and 'h' (heartbeat) carry no frame
      }
    }
  }

  private synchronized void record(JsonObject frame) {
    received.add(frame);
    notifyAll();
  }

  private synchronized void onClose(int code) {
    if (closeCode == null) {
      closeCode = code;
    }
    notifyAll();
  }

  /** Sends hello with the token (and the known device id) and answers welcome or the error. */
  public JsonObject hello() {
    return hello(new JsonObject());
  }

  public JsonObject hello(JsonObject fields) {
    JsonObject hello = new JsonObject().put("type", "hello").put("token", token);
    if (deviceId != null) {
      hello.put("device_id", deviceId);
    }
    int from = frames().size();
    send(hello.mergeIn(fields));
    JsonObject answer = awaitFrame(from, f -> f.getString("type").equals("welcome") || f.getString("type").equals("error"));
    if (answer.getString("type").equals("welcome")) {
      deviceId = answer.getString("device_id");
    }
    return answer;
  }

  /** Connects, greets and waits for synced: answers the events of the catch-up. */
  public List<JsonObject> connectAndSync() {
    return connectAndSync(new JsonObject());
  }

  public List<JsonObject> connectAndSync(JsonObject helloFields) {
    connect();
    JsonObject welcome = hello(helloFields);
    if (!welcome.getString("type").equals("welcome")) {
      throw new AssertionError("hello refused: " + welcome.encode());
    }
    awaitType("synced");
    return events();
  }

  public void send(JsonObject frame) {
    sendRaw(frame.encode());
  }

  public void sendRaw(String text) {
    if (transport == Transport.WEBSOCKET) {
      await(socket.writeTextMessage(text));
    } else {
      await(socket.writeTextMessage(new JsonArray().add(text).encode()));
    }
  }

  /** Sends a frame with a fresh id and waits for the frame answering it. */
  public JsonObject request(JsonObject frame) {
    String id = "r" + IDS.incrementAndGet();
    send(frame.copy().put("id", id));
    return awaitFrame(f -> id.equals(f.getValue("id")));
  }

  public JsonObject sendMessage(String conversationId, String clientMsgId, String text) {
    return request(new JsonObject().put("type", "send").put("conversation_id", conversationId)
        .put("client_msg_id", clientMsgId).put("body", new JsonObject().put("text", text)));
  }

  public JsonObject awaitType(String type) {
    return awaitFrame(f -> type.equals(f.getString("type")));
  }

  /** The first received frame that matches, waiting for it if need be. */
  public JsonObject awaitFrame(Predicate<JsonObject> match) {
    return awaitFrame(0, match);
  }

  /** The first frame at or after position from (in {@link #frames()}) that matches. */
  public synchronized JsonObject awaitFrame(int from, Predicate<JsonObject> match) {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (true) {
      for (int i = from; i < received.size(); i++) {
        if (match.test(received.get(i))) {
          return received.get(i);
        }
      }
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw new AssertionError("no matching frame within " + WAIT + "; received " + received);
      }
      waitNanos(left);
    }
  }

  /** Waits until at least count event frames arrived; answers all of them. */
  public synchronized List<JsonObject> awaitEvents(int count) {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (events().size() < count) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw new AssertionError("expected " + count + " events, got " + events().size());
      }
      waitNanos(left);
    }
    return events();
  }

  /** Event frames received on this connection, in arrival order. */
  public synchronized List<JsonObject> events() {
    return received.stream().filter(f -> "event".equals(f.getString("type"))).toList();
  }

  public synchronized List<JsonObject> frames() {
    return List.copyOf(received);
  }

  /** Waits for the server to close the connection; answers the close code. */
  public synchronized int awaitClose(Duration within) {
    long deadline = System.nanoTime() + within.toNanos();
    while (closeCode == null) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw new AssertionError("connection still open after " + within);
      }
      waitNanos(left);
    }
    return closeCode;
  }

  public synchronized boolean isClosed() {
    return closeCode != null;
  }

  /** Drops the connection from the client side, as a phone losing signal would. */
  public void disconnect() {
    if (socket != null && !socket.isClosed()) {
      await(socket.close());
    }
  }

  void closeQuietly() {
    try {
      disconnect();
    } catch (RuntimeException ignored) {
      // already gone
    }
  }

  private void waitNanos(long nanos) {
    try {
      wait(Math.max(1, nanos / 1_000_000));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted");
    }
  }
}
