package io.lockstep.test;

import io.lockstep.client.ClientOptions;
import io.lockstep.client.Connection;
import io.lockstep.client.ConnectionClosedException;
import io.lockstep.client.LockstepClient;
import io.lockstep.client.LockstepException;
import io.lockstep.client.Transport;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;

/**
 * A device for test scenarios, on the Java client ({@code clients/java}): it records every frame
 * each connection receives, in order, so that test steps can block on what they expect, with a
 * timeout, and answers error frames as frames (a test asserts on them) rather than as exceptions.
 */
public final class TestDevice {

  private static final Duration WAIT = Duration.ofSeconds(20);

  private final LockstepClient client;
  private final String token;
  private String deviceId;
  private Connection connection;
  private final List<JsonObject> received = new ArrayList<>();
  private Integer closeCode;

  TestDevice(Vertx vertx, int port, String token, Transport transport) {
    this.client = LockstepClient.create(vertx, ClientOptions.of("127.0.0.1", port).withTransport(transport));
    this.token = token;
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
    Connection opened = join(client.connect());
    opened.onFrame(this::record);
    opened.closed().thenAccept(reason -> onClose(reason.code()));
    connection = opened;
    return this;
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
    try {
      JsonObject welcome = join(connection.helloFrame(hello.mergeIn(fields)));
      deviceId = welcome.getString("device_id");
      return welcome;
    } catch (LockstepException refused) {
      return refused.frame();
    }
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

  /** Sends any text as one message (wrapped in a SockJS frame on SockJS). */
  public void sendRaw(String text) {
    join(connection.writeText(text));
  }

  /** Sends a frame with a fresh id and waits for the frame answering it (an error frame too). */
  public JsonObject request(JsonObject frame) {
    try {
      return join(connection.request(frame));
    } catch (LockstepException refused) {
      return refused.frame();
    }
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
    if (connection != null) {
      join(connection.close());
    }
  }

  void closeQuietly() {
    try {
      disconnect();
    } catch (RuntimeException | AssertionError ignored) {
      // already gone
    }
  }

  /** The result within the wait; a refusal as the LockstepException it is, anything else as a failed assertion. */
  private <T> T join(CompletableFuture<T> future) {
    try {
      return future.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof LockstepException refused) {
        throw refused;
      }
      String why = e.getCause() instanceof ConnectionClosedException closed ? closed.getMessage() : String.valueOf(e.getCause());
      throw new AssertionError(why + "; received " + frames(), e.getCause());
    } catch (TimeoutException e) {
      throw new AssertionError("no answer within " + WAIT + "; received " + frames());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted");
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
