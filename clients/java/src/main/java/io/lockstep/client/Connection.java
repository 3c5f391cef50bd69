package io.lockstep.client;

import io.vertx.core.Future;
import io.vertx.core.http.WebSocket;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * One live connection of one device. Hands every frame to {@link #onFrame} and every event of the
 * user's log to {@link #onEvent}, in the order the server sent them (ascending seq, each once, across
 * the switch from backlog to live: the server's guarantee), unpacking batched backlog frames. Matches
 * replies to requests by {@code id}; an {@code error} reply fails the request with a
 * {@link LockstepException}, and a close fails everything still waiting with a
 * {@link ConnectionClosedException}.
 *
 * <p>Listeners run on the connection's I/O thread: keep them short and never block in them.
 * Futures complete on that thread too.
 */
public final class Connection {

  private final WebSocket socket;
  private final Transport transport;
  private final Map<String, CompletableFuture<JsonObject>> pending = new ConcurrentHashMap<>();
  private final AtomicLong ids = new AtomicLong();
  private final CompletableFuture<CloseReason> closed = new CompletableFuture<>();
  private final CompletableFuture<Long> synced = new CompletableFuture<>();
  private final Map<String, CompletableFuture<Long>> streamSynced = new ConcurrentHashMap<>();
  private volatile CompletableFuture<JsonObject> helloAnswer;
  private volatile String helloId;
  private volatile Consumer<JsonObject> frameListener = frame -> { };
  private volatile Consumer<Event> eventListener = event -> { };
  private volatile String deviceId;
  private volatile long lastSeq;

  Connection(WebSocket socket, Transport transport) {
    this.socket = socket;
    this.transport = transport;
    socket.textMessageHandler(this::onText);
    socket.exceptionHandler(failure -> { });
    socket.closeHandler(v -> onClose(new CloseReason(
        socket.closeStatusCode() == null ? CloseReason.NONE : socket.closeStatusCode(), socket.closeReason())));
  }

  /** Receives every frame the server sends, before the connection acts on it. */
  public Connection onFrame(Consumer<JsonObject> listener) {
    this.frameListener = listener;
    return this;
  }

  /** Receives each event of the user's log, from {@code event} frames and from batched backlog frames. */
  public Connection onEvent(Consumer<Event> listener) {
    this.eventListener = listener;
    return this;
  }

  /**
   * Says hello; completes with the welcome, or fails with the {@code error} that refused it (the
   * connection stays open for a corrected hello unless the code closes it, see docs/protocol.md).
   */
  public CompletableFuture<Welcome> hello(Hello hello) {
    return helloFrame(hello.toFrame()).thenApply(Welcome::of);
  }

  /** Sends a hello frame as given; completes with the welcome frame or fails with the refusal. */
  public CompletableFuture<JsonObject> helloFrame(JsonObject hello) {
    CompletableFuture<JsonObject> answer = new CompletableFuture<>();
    helloId = idKey(hello.getValue("id"));
    helloAnswer = answer;
    write(hello).whenComplete((v, failure) -> {
      if (failure != null) {
        answer.completeExceptionally(failure);
      }
    });
    if (closed.isDone()) {
      answer.completeExceptionally(new ConnectionClosedException(closed.join()));
    }
    return answer;
  }

  /** Completes with {@code synced.head} once the catch-up after the welcome is over. */
  public CompletableFuture<Long> synced() {
    return synced;
  }

  /** Sends the frame with an {@code id} (a fresh one unless it has one) and completes with the reply. */
  public CompletableFuture<JsonObject> request(JsonObject frame) {
    JsonObject sent = frame.getValue("id") == null ? frame.copy().put("id", "j" + ids.incrementAndGet()) : frame;
    String key = idKey(sent.getValue("id"));
    CompletableFuture<JsonObject> reply = new CompletableFuture<>();
    pending.put(key, reply);
    if (closed.isDone()) {
      pending.remove(key);
      reply.completeExceptionally(new ConnectionClosedException(closed.join()));
      return reply;
    }
    write(sent).whenComplete((v, failure) -> {
      if (failure != null && pending.remove(key) != null) {
        reply.completeExceptionally(failure);
      }
    });
    return reply;
  }

  /**
   * Sends a message. Retrying with the same clientMsgId (after a reconnect or a restart, from the same
   * device) is safe: the server stores it once and answers the original positions with duplicate true.
   */
  public CompletableFuture<Sent> send(String conversationId, String clientMsgId, JsonObject body) {
    return request(new JsonObject().put("type", "send").put("conversation_id", conversationId)
        .put("client_msg_id", clientMsgId).put("body", body)).thenApply(Sent::of);
  }

  /** Stores the device cursor at max(stored, upTo); completes with the stored cursor. */
  public CompletableFuture<Long> ack(long upTo) {
    return request(new JsonObject().put("type", "ack").put("up_to", upTo)).thenApply(reply -> reply.getLong("cursor"));
  }

  /** An ack without id: no reply, and the server coalesces rapid ones. Completes when written. */
  public CompletableFuture<Void> ackQuietly(long upTo) {
    return write(new JsonObject().put("type", "ack").put("up_to", upTo));
  }

  /** Stores the device's position in a stream at max(stored, upTo); completes with the stored position. */
  public CompletableFuture<Long> ackStream(String conversationId, long upTo) {
    return request(new JsonObject().put("type", "ack").put("stream", conversationId).put("up_to", upTo))
        .thenApply(reply -> reply.getLong("cursor"));
  }

  /** A stream ack without id: no reply, coalesced by the server. Completes when written. */
  public CompletableFuture<Void> ackStreamQuietly(String conversationId, long upTo) {
    return write(new JsonObject().put("type", "ack").put("stream", conversationId).put("up_to", upTo));
  }

  /** Completes with a stream's {@code synced.head} once its catch-up after the welcome is over (hello with streams). */
  public CompletableFuture<Long> streamSynced(String conversationId) {
    return streamSynced.computeIfAbsent(conversationId, id -> new CompletableFuture<>());
  }

  /** One page of the user's log after since (at most limit events, 1 to 1000). */
  public CompletableFuture<Page> fetch(long since, int limit) {
    return request(new JsonObject().put("type", "sync").put("since", since).put("limit", limit)).thenApply(Page::of);
  }

  /** Every event after since, page by page, up to the head as it was at the last page. */
  public CompletableFuture<List<Event>> catchUp(long since) {
    return catchUp(since, new ArrayList<>());
  }

  private CompletableFuture<List<Event>> catchUp(long since, List<Event> into) {
    return fetch(since, 1000).thenCompose(page -> {
      into.addAll(page.events());
      return page.hasMore() ? catchUp(page.lastSeq(since), into) : CompletableFuture.completedFuture(List.copyOf(into));
    });
  }

  /** Sends a frame as it is, expecting nothing; completes when written. */
  public CompletableFuture<Void> write(JsonObject frame) {
    return writeText(frame.encode());
  }

  /** Sends any text as one protocol message (wrapped for SockJS); completes when written. */
  public CompletableFuture<Void> writeText(String text) {
    Future<Void> written = socket.writeTextMessage(transport == Transport.SOCKJS ? SockJsFrames.encode(text) : text);
    return written.toCompletionStage().toCompletableFuture();
  }

  /** Whether the socket's write queue is full: write no more until the {@link #onDrain} handler runs. */
  public boolean writeQueueFull() {
    return socket.writeQueueFull();
  }

  /** Runs the handler each time a full write queue has drained. */
  public Connection onDrain(Runnable handler) {
    socket.drainHandler(v -> handler.run());
    return this;
  }

  /** Stops reading from the socket: the server's writes back up into TCP. */
  public void pause() {
    socket.pause();
  }

  public void resume() {
    socket.resume();
  }

  /** The device id the welcome named (or null before it). */
  public String deviceId() {
    return deviceId;
  }

  /** The highest seq this connection received (events, synced, snapshot), 0 before any. */
  public long lastSeq() {
    return lastSeq;
  }

  public boolean isOpen() {
    return !closed.isDone() && !socket.isClosed();
  }

  /** Completes with how the connection ended, whichever side ended it. */
  public CompletableFuture<CloseReason> closed() {
    return closed;
  }

  /** Closes the connection from this side; completes when the close handshake is over. */
  public CompletableFuture<Void> close() {
    if (socket.isClosed()) {
      return CompletableFuture.completedFuture(null);
    }
    return socket.close().toCompletionStage().toCompletableFuture();
  }

  private void onText(String text) {
    if (transport == Transport.WEBSOCKET) {
      onMessage(text);
      return;
    }
    SockJsFrames.Decoded decoded = SockJsFrames.decode(text);
    decoded.messages().forEach(this::onMessage);
    if (decoded.close() != null) {
      onClose(decoded.close());
    }
  }

  private void onMessage(String text) {
    JsonObject frame;
    try {
      frame = new JsonObject(text);
    } catch (DecodeException e) {
      return;
    }
    frameListener.accept(frame);
    String type = frame.getString("type", "");
    Object id = frame.getValue("id");
    switch (type) {
      case "welcome" -> {
        deviceId = frame.getString("device_id");
        completeHello(frame, null);
      }
      case "synced" -> {
        long head = frame.getLong("head", 0L);
        String stream = frame.getString("stream");
        if (stream != null) {
          streamSynced(stream).complete(head);
        } else {
          lastSeq = Math.max(lastSeq, head);
          synced.complete(head);
        }
      }
      case "snapshot" -> lastSeq = Math.max(lastSeq, frame.getLong("head", 0L));
      case "event" -> onEvent(frame);
      case "events" -> {
        if (id == null) {
          JsonArray events = frame.getJsonArray("events");
          for (int i = 0; i < events.size(); i++) {
            onEvent(events.getJsonObject(i));
          }
        } else {
          reply(id, frame);
        }
      }
      case "close" -> onClose(new CloseReason(frame.getInteger("code", CloseReason.NONE), frame.getString("reason")));
      case "error" -> {
        if (!reply(id, frame)) {
          completeHello(null, frame);
        }
      }
      default -> reply(id, frame);
    }
  }

  private void onEvent(JsonObject frame) {
    Event event = Event.of(frame);
    if (event.stream() == null) {
      lastSeq = Math.max(lastSeq, event.seq());
    }
    eventListener.accept(event);
  }

  private boolean reply(Object id, JsonObject frame) {
    CompletableFuture<JsonObject> waiting = id == null ? null : pending.remove(idKey(id));
    if (waiting == null) {
      return false;
    }
    if ("error".equals(frame.getString("type"))) {
      waiting.completeExceptionally(new LockstepException(frame));
    } else {
      waiting.complete(frame);
    }
    return true;
  }

  private void completeHello(JsonObject welcome, JsonObject error) {
    CompletableFuture<JsonObject> answer = helloAnswer;
    if (answer == null || answer.isDone()) {
      return;
    }
    if (welcome != null) {
      answer.complete(welcome);
    } else if (java.util.Objects.equals(helloId, idKey(error.getValue("id")))) {
      answer.completeExceptionally(new LockstepException(error));
    }
  }

  private void onClose(CloseReason reason) {
    if (!closed.complete(reason)) {
      return;
    }
    ConnectionClosedException failure = new ConnectionClosedException(reason);
    pending.values().forEach(waiting -> waiting.completeExceptionally(failure));
    pending.clear();
    CompletableFuture<JsonObject> answer = helloAnswer;
    if (answer != null) {
      answer.completeExceptionally(failure);
    }
    synced.completeExceptionally(failure);
  }

  /** Ids are strings or numbers on the wire; numbers compare by value whatever their Java type. */
  private static String idKey(Object id) {
    if (id == null) {
      return null;
    }
    return id instanceof Number number ? "n" + number.longValue() : "s" + id;
  }
}
