package io.lockstep.testkit;

import io.lockstep.client.ClientOptions;
import io.lockstep.client.Connection;
import io.lockstep.client.ConnectionClosedException;
import io.lockstep.client.LockstepClient;
import io.lockstep.client.LockstepException;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;

/**
 * One device of one user, speaking Lockstep's protocol over a real WebSocket (through the Java client,
 * {@code lockstep-client}). It records every frame its connection receives, in order, so that a test
 * can wait for what it expects; requests answer the server's reply frame, an {@code error} frame
 * included, so that a test asserts on refusals as on results. Every wait gives up after 20 seconds
 * with an {@link AssertionError} listing what did arrive.
 *
 * <p>Get one from {@link LockstepTestNode#device(String)}, or {@link #of(String, int, String)} for a
 * server running elsewhere. A device keeps its id across {@link #disconnect()} and {@link #connect()},
 * as an installed app does.
 */
public final class TestDevice {

  private static final Duration WAIT = Duration.ofSeconds(20);

  private final LockstepClient client;
  private final String token;
  private final List<JsonObject> received = new ArrayList<>();
  private String deviceId;
  private Connection connection;
  private boolean closed;

  private TestDevice(LockstepClient client, String token) {
    this.client = client;
    this.token = token;
  }

  static TestDevice on(Vertx vertx, int port, String token) {
    return new TestDevice(LockstepClient.create(vertx, ClientOptions.of("127.0.0.1", port)), token);
  }

  /**
   * A device of a server running elsewhere (a node started from the server's jar, say), on a Vert.x of
   * its own; {@link #close()} it after the test.
   *
   * @param host the server's host
   * @param port its HTTP port
   * @param token a client token for the user (in dev mode, {@code POST /dev/token} mints one)
   * @return a device, not yet connected
   */
  public static TestDevice of(String host, int port, String token) {
    return new TestDevice(LockstepClient.create(ClientOptions.of(host, port)), token);
  }

  /**
   * Opens a connection, says {@code hello} and waits for {@code synced}: the catch-up is over, and
   * {@link #events()} holds its events.
   *
   * @return this device
   * @throws AssertionError when the server refuses the hello
   */
  public TestDevice connect() {
    Connection opened = join(client.connect());
    synchronized (this) {
      received.clear();
      closed = false;
    }
    opened.onFrame(this::record);
    opened.closed().thenAccept(reason -> onClose());
    connection = opened;
    JsonObject hello = new JsonObject().put("type", "hello").put("token", token);
    if (deviceId != null) {
      hello.put("device_id", deviceId);
    }
    JsonObject welcome;
    try {
      welcome = join(connection.helloFrame(hello));
    } catch (LockstepException refused) {
      throw new AssertionError("hello refused: " + refused.frame().encode(), refused);
    }
    deviceId = welcome.getString("device_id");
    awaitFrame(frame -> "synced".equals(frame.getString("type")));
    return this;
  }

  /**
   * The id the server gave this device at its first connection.
   *
   * @return the device id, or null before the first {@link #connect()}
   */
  public String deviceId() {
    return deviceId;
  }

  /**
   * Sends a frame with a fresh {@code id} and waits for the frame answering it.
   *
   * @param frame a client frame, e.g. {@code {"type": "settings.get", "keys": [...]}}
   * @return the reply: a result frame, or an {@code error} frame with {@code code} and {@code message}
   */
  public JsonObject request(JsonObject frame) {
    try {
      return join(connected().request(frame));
    } catch (LockstepException refused) {
      return refused.frame();
    }
  }

  /**
   * Sends a frame and does not wait for anything.
   *
   * @param frame any frame
   */
  public void send(JsonObject frame) {
    join(connected().write(frame));
  }

  /**
   * Sends a text message with a fresh {@code client_msg_id}.
   *
   * @param conversationId the conversation
   * @param text the message's {@code body.text}
   * @return the reply: {@code sent} with the message's positions, or an error frame
   */
  public JsonObject sendMessage(String conversationId, String text) {
    return request(new JsonObject().put("type", "send").put("conversation_id", conversationId)
        .put("client_msg_id", UUID.randomUUID().toString()).put("body", new JsonObject().put("text", text)));
  }

  /**
   * Writes an account-scoped setting: the conflict policy its key names in {@code settings.keys} decides it.
   *
   * @param key the setting's key
   * @param value its new value (any JSON value)
   * @return the reply: a result with the stored value, or an error frame ({@code conflict} with
   *     {@code current}, {@code invalid_field} with the policy's sentence)
   */
  public JsonObject setAccountSetting(String key, Object value) {
    return request(new JsonObject().put("type", "settings.set").put("scope", "account").put("key", key)
        .put("value", value));
  }

  /**
   * Registers this device's push token.
   *
   * @param provider the push provider's name, as a plugin serves it
   * @param token the token: a string, or an object for a provider that takes subscription tokens
   * @return the reply, {@code {"type": "result", "outcome": "registered"|"replaced"|"unchanged"|"moved"}},
   *     or an error frame
   */
  public JsonObject registerPush(String provider, Object token) {
    return request(new JsonObject().put("type", "push.register").put("provider", provider).put("token", token));
  }

  /**
   * The first frame received on the current connection that matches, waiting for it if need be.
   *
   * @param match what to wait for
   * @return the frame
   * @throws AssertionError when none arrives within 20 seconds
   */
  public synchronized JsonObject awaitFrame(Predicate<JsonObject> match) {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (true) {
      for (JsonObject frame : received) {
        if (match.test(frame)) {
          return frame;
        }
      }
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw new AssertionError("no matching frame within " + WAIT + "; received " + received);
      }
      waitNanos(left);
    }
  }

  /**
   * The first {@code event} frame that matches, waiting for it if need be.
   *
   * @param match what to wait for, e.g. {@code e -> "message".equals(e.getString("kind"))}
   * @return the event frame
   * @throws AssertionError when none arrives within 20 seconds
   */
  public JsonObject awaitEvent(Predicate<JsonObject> match) {
    return awaitFrame(frame -> "event".equals(frame.getString("type")) && match.test(frame));
  }

  /**
   * The {@code event} frames received on the current connection, in arrival order.
   *
   * @return a copy
   */
  public synchronized List<JsonObject> events() {
    return received.stream().filter(frame -> "event".equals(frame.getString("type"))).toList();
  }

  /**
   * Every frame received on the current connection, in arrival order.
   *
   * @return a copy
   */
  public synchronized List<JsonObject> frames() {
    return List.copyOf(received);
  }

  /**
   * Closes the connection from the client's side, as a phone losing its signal would; {@link #connect()}
   * opens a new one for the same device.
   */
  public void disconnect() {
    if (connection != null && connection.isOpen()) {
      join(connection.close());
    }
  }

  /**
   * Whether the server or {@link #disconnect()} closed the current connection.
   *
   * @return true once closed
   */
  public synchronized boolean isClosed() {
    return closed;
  }

  /** Disconnects and closes the client (and its own Vert.x, for a device made by {@link #of}). */
  public void close() {
    try {
      disconnect();
    } catch (RuntimeException | AssertionError alreadyGone) {
      // the server closed it first
    }
    join(client.close());
  }

  private Connection connected() {
    if (connection == null) {
      throw new IllegalStateException("connect() the device first");
    }
    return connection;
  }

  private synchronized void record(JsonObject frame) {
    received.add(frame);
    notifyAll();
  }

  private synchronized void onClose() {
    closed = true;
    notifyAll();
  }

  /** The result within the wait; a refusal as the LockstepException it is, anything else as a failed assertion. */
  private <T> T join(CompletableFuture<T> future) {
    try {
      return future.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof LockstepException refused) {
        throw refused;
      }
      String why = e.getCause() instanceof ConnectionClosedException gone ? gone.getMessage() : String.valueOf(e.getCause());
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
