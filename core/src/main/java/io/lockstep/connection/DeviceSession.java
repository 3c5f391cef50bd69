package io.lockstep.connection;

import io.lockstep.auth.TokenAuth;
import io.lockstep.config.LockstepConfig.SessionConfig;
import io.lockstep.metrics.LockstepMetrics;
import io.lockstep.protocol.ErrorCode;
import io.lockstep.protocol.Events;
import io.lockstep.protocol.Fields;
import io.lockstep.protocol.LockstepException;
import io.lockstep.bus.BusClient;
import io.lockstep.bus.Operation;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * The protocol state of one device connection. Delivers each user-log event to the connection
 * exactly once and in ascending seq, across the switch from backlog to live.
 *
 * @implNote The session registers for live events before it reads the backlog. {@code delivered}
 * is the highest seq written to the client; live events at or below it are dropped, live events
 * that run ahead are held in {@code ahead} until the gap is filled, and a gap that does not close
 * within {@link #GAP_GRACE_MS} is filled from PostgreSQL (whatever is live is committed, and so is
 * every lower seq of the user). All of it runs on the connection's event loop.
 */
final class DeviceSession {

  static final long GAP_GRACE_MS = 20;
  private static final int MAX_AHEAD = 10_000;
  /** Catch-up batches (hello with batch: true): at most this many events, or about this many characters. */
  private static final int BATCH_EVENTS = 500;
  private static final int BATCH_CHARS = 60_000;
  private static final String BATCH_OPENING = "{\"type\":\"events\",\"events\":[";
  private static final Set<String> FRAME_TYPES = Set.of("hello", "send", "ack", "sync", "ping", "read",
      "mark_unread", "settings.set", "settings.get", "conversation.create", "conversation.add_member",
      "conversation.remove_member", "push.register", "push.unregister");

  private enum State { AWAITING_HELLO, GREETING, READY, CLOSED }

  private final Vertx vertx;
  private final FrameChannel channel;
  private final BusClient bus;
  private final TokenAuth auth;
  private final SessionHost host;
  private final SessionConfig config;
  private final LockstepMetrics metrics;
  private final String connectionId = UUID.randomUUID().toString();
  private final long openedAt = System.currentTimeMillis();

  private State state = State.AWAITING_HELLO;
  private boolean routed;
  private String userId;
  private String deviceId;
  private long lastFrameAt = openedAt;

  private long delivered;
  private long highestSeen;
  private final TreeMap<Long, JsonObject> ahead = new TreeMap<>();
  private boolean caughtUp;
  private boolean fetching;
  private boolean batchCatchUp;
  private long gapTimer = -1;

  private Future<JsonObject> sendQueue = Future.succeededFuture();
  private long pendingAck = -1;
  private boolean ackInFlight;

  DeviceSession(Vertx vertx, FrameChannel channel, BusClient bus, TokenAuth auth, SessionHost host,
                SessionConfig config, LockstepMetrics metrics) {
    this.vertx = vertx;
    this.channel = channel;
    this.bus = bus;
    this.auth = auth;
    this.host = host;
    this.config = config;
    this.metrics = metrics;
  }

  String connectionId() {
    return connectionId;
  }

  String userId() {
    return userId;
  }

  String deviceId() {
    return deviceId;
  }

  long openedAt() {
    return openedAt;
  }

  long lastFrameAt() {
    return lastFrameAt;
  }

  boolean isReady() {
    return state == State.READY;
  }

  // ---- frames from the client

  void onText(String text) {
    if (state == State.CLOSED) {
      return;
    }
    lastFrameAt = System.currentTimeMillis();
    if (tooLarge(text)) {
      error(null, new LockstepException(ErrorCode.FRAME_TOO_LARGE,
          "frames are limited to " + config.maxFrameBytes() + " bytes; this one was not processed"));
      return;
    }
    JsonObject frame;
    try {
      frame = new JsonObject(text);
    } catch (DecodeException | ClassCastException e) {
      error(null, new LockstepException(ErrorCode.BAD_FRAME, "a frame must be one JSON object"));
      return;
    }
    Object id = frame.getValue("id");
    if (id != null && !(id instanceof String) && !(id instanceof Number)) {
      error(null, Fields.invalid("id", "must be a string or a number"));
      return;
    }
    Object type = frame.getValue("type");
    if (!(type instanceof String typeName)) {
      error(id, Fields.invalid("type", "is required and must be a string"));
      return;
    }
    if (!FRAME_TYPES.contains(typeName)) {
      error(id, new LockstepException(ErrorCode.UNKNOWN_TYPE, "unknown frame type '" + typeName + "'"));
      return;
    }
    if (typeName.equals("hello")) {
      if (state != State.AWAITING_HELLO) {
        error(id, new LockstepException(ErrorCode.ALREADY_GREETED, "this connection already sent hello"));
        return;
      }
      hello(id, frame);
      return;
    }
    if (state != State.READY) {
      error(id, new LockstepException(ErrorCode.NOT_READY, "send hello first and wait for welcome"));
      return;
    }
    try {
      handle(typeName, id, frame);
    } catch (LockstepException e) {
      error(id, e);
    }
  }

  /** A frame that cannot be parsed as text (binary WebSocket message). */
  void onBinary() {
    lastFrameAt = System.currentTimeMillis();
    error(null, new LockstepException(ErrorCode.BAD_FRAME, "frames are JSON text messages; binary is not accepted"));
  }

  private void handle(String type, Object id, JsonObject frame) {
    switch (type) {
      case "send" -> send(id, frame);
      case "ack" -> ack(id, Fields.requiredCount(frame, "up_to"));
      case "sync" -> syncPage(id, frame);
      case "ping" -> reply("pong", id, new JsonObject());
      case "read" -> readState(Operation.READ, id, frame);
      case "mark_unread" -> readState(Operation.MARK_UNREAD, id, frame);
      case "settings.set" -> deviceRequest(Operation.SET_SETTING, id, frame);
      case "settings.get" -> call(Operation.GET_SETTINGS, frame.copy().put("user_id", userId).put("device_id", deviceId))
          .onSuccess(settings -> reply("settings", id, settings))
          .onFailure(failure -> error(id, failure));
      case "push.register" -> deviceRequest(Operation.PUSH_REGISTER, id, frame);
      case "push.unregister" -> deviceRequest(Operation.PUSH_UNREGISTER, id, frame);
      case "conversation.create" -> conversationChange(Operation.CREATE_CONVERSATION, id, frame);
      case "conversation.add_member" -> conversationChange(Operation.ADD_MEMBER, id, memberFrame(frame));
      case "conversation.remove_member" -> conversationChange(Operation.REMOVE_MEMBER, id, memberFrame(frame));
      default -> throw new IllegalStateException(type);
    }
  }

  /** Sends of one connection are committed one after another, in the order they arrived. */
  private void send(Object id, JsonObject frame) {
    JsonObject request = frame.copy().put("user_id", userId).put("device_id", deviceId);
    sendQueue = sendQueue.transform(previous -> call(Operation.SEND, request)
        .onSuccess(sent -> reply("sent", id, sent))
        .onFailure(failure -> error(id, failure)));
  }

  private void readState(Operation operation, Object id, JsonObject frame) {
    call(operation, frame.copy().put("user_id", userId).put("device_id", deviceId).put("received_at", lastFrameAt))
        .onSuccess(state -> reply("result", id, state))
        .onFailure(failure -> error(id, failure));
  }

  /** A request on behalf of this device, answered with a result frame. */
  private void deviceRequest(Operation operation, Object id, JsonObject frame) {
    call(operation, frame.copy().put("user_id", userId).put("device_id", deviceId))
        .onSuccess(result -> reply("result", id, result))
        .onFailure(failure -> error(id, failure));
  }

  private static JsonObject memberFrame(JsonObject frame) {
    return frame.copy().put("member", frame.getValue("user_id"));
  }

  private void conversationChange(Operation operation, Object id, JsonObject frame) {
    call(operation, frame.copy().put("user_id", userId))
        .onSuccess(result -> reply("result", id, result))
        .onFailure(failure -> error(id, failure));
  }

  // ---- hello and catch-up

  private void hello(Object id, JsonObject frame) {
    state = State.GREETING;
    Long explicitCursor;
    String token;
    JsonObject request;
    try {
      token = Fields.requiredString(frame, "token");
      explicitCursor = Fields.optionalCount(frame, "cursor");
      batchCatchUp = Fields.optionalBoolean(frame, "batch");
      request = new JsonObject()
          .put("device_id", Fields.optionalId(frame, "device_id"))
          .put("device_name", Fields.optionalString(frame, "device_name"))
          .put("platform", Fields.optionalString(frame, "platform"));
    } catch (LockstepException e) {
      state = State.AWAITING_HELLO;
      error(id, e);
      return;
    }
    auth.userId(token)
        .compose(user -> call(Operation.HELLO, request.put("user_id", user)).map(reply -> reply.put("user_id", user)))
        .compose(reply -> {
          long head = reply.getLong("head");
          if (explicitCursor != null && explicitCursor > head) {
            throw new LockstepException(ErrorCode.CURSOR_AHEAD,
                "cursor " + explicitCursor + " is above the head of your log (" + head + ")");
          }
          if (state == State.CLOSED) {
            throw new LockstepException(ErrorCode.NOT_READY, "connection closed during hello");
          }
          userId = reply.getString("user_id");
          deviceId = reply.getString("device_id");
          routed = true;
          return host.register(this).map(reply);
        })
        .onSuccess(reply -> welcome(reply, explicitCursor))
        .onFailure(failure -> {
          LockstepException error = LockstepException.of(failure);
          error(id, error);
          if (error.code().closeCode() != 0) {
            close(error.code().closeCode(), error.getMessage());
          } else if (state == State.GREETING) {
            userId = null;
            deviceId = null;
            state = State.AWAITING_HELLO;
          }
        });
  }

  private void welcome(JsonObject hello, Long explicitCursor) {
    if (state == State.CLOSED) {
      return;
    }
    state = State.READY;
    long stored = hello.getLong("cursor");
    long head = hello.getLong("head");
    long floor = hello.getLong("floor");
    boolean isNew = hello.getBoolean("new");
    long start = explicitCursor != null ? explicitCursor : stored;
    boolean resetRequired = !(isNew && explicitCursor == null) && start < floor;
    write(new JsonObject().put("type", "welcome")
        .put("user_id", userId)
        .put("device_id", deviceId)
        .put("cursor", stored)
        .put("head", head)
        .put("retention_floor", floor)
        .put("reset_required", resetRequired)
        .put("heartbeat_ms", config.heartbeatMs()));
    if (resetRequired) {
      metrics.resetsSent.increment();
    }
    metrics.syncLag.record(Math.max(0, head - start));
    if (resetRequired || (isNew && explicitCursor == null)) {
      sendSnapshot();
    } else {
      delivered = start;
      pump();
    }
  }

  /** Sends a snapshot and continues from its head: for new devices and devices behind the retention floor. */
  private void sendSnapshot() {
    fetching = true;
    JsonObject request = new JsonObject().put("user_id", userId).put("device_id", deviceId);
    Future.all(call(Operation.SNAPSHOT, request), call(Operation.GET_SETTINGS, request)).onComplete(done -> {
      fetching = false;
      if (done.failed()) {
        failSession(done.cause());
        return;
      }
      JsonObject snapshot = done.result().<JsonObject>resultAt(0).put("settings", done.result().<JsonObject>resultAt(1));
      write(new JsonObject().put("type", "snapshot").mergeIn(snapshot));
      delivered = Math.max(delivered, snapshot.getLong("head"));
      pump();
    });
  }

  /**
   * Moves the stream forward: writes held events that are next in line, and reads from PostgreSQL
   * while the backlog is not done or a gap is known.
   */
  private void pump() {
    if (fetching || state == State.CLOSED) {
      return;
    }
    drainAhead();
    if (!caughtUp) {
      fetchPage();
    } else if (highestSeen > delivered && gapTimer == -1) {
      gapTimer = vertx.setTimer(GAP_GRACE_MS, timer -> {
        gapTimer = -1;
        drainAhead();
        if (highestSeen > delivered && !fetching && state != State.CLOSED) {
          fetchPage();
        }
      });
    }
  }

  private void fetchPage() {
    if (channel.writeQueueFull()) {
      channel.onDrain(this::pump);
      return;
    }
    fetching = true;
    requestPage(delivered).onComplete(this::onPage);
  }

  private Future<JsonObject> requestPage(long after) {
    return call(Operation.FETCH, new JsonObject().put("user_id", userId).put("after", after)
        .put("limit", config.catchUpPage()));
  }

  /**
   * Writes a fetched page. While the backlog lasts the next page is requested before this one is
   * written, so that PostgreSQL reads page n+1 while the connection writes page n.
   */
  private void onPage(AsyncResult<JsonObject> done) {
    fetching = false;
    if (state == State.CLOSED) {
      return;
    }
    if (done.failed()) {
      failSession(done.cause());
      return;
    }
    JsonObject fetched = done.result();
    JsonArray seqs = fetched.getJsonArray("seqs");
    if (!seqs.isEmpty() && seqs.getLong(0) > delivered + 1) {
      metrics.resetsSent.increment();
      ahead.clear();
      sendSnapshot();
      return;
    }
    boolean fullPage = seqs.size() == config.catchUpPage();
    Future<JsonObject> next = null;
    if (!caughtUp && fullPage && !channel.writeQueueFull()) {
      fetching = true;
      next = requestPage(seqs.getLong(seqs.size() - 1));
    }
    JsonArray kinds = fetched.getJsonArray("kinds");
    JsonArray frames = fetched.getJsonArray("frames");
    if (batchCatchUp && !caughtUp) {
      deliverBatched(seqs, kinds, frames);
    } else {
      for (int i = 0; i < seqs.size(); i++) {
        deliver(seqs.getLong(i), kinds.getString(i), frames.getString(i), null);
      }
    }
    if (next != null) {
      next.onComplete(this::onPage);
      return;
    }
    if (!caughtUp && !fullPage) {
      drainAhead();
      caughtUp = true;
      write(new JsonObject().put("type", "synced").put("head", delivered));
    }
    pump();
  }

  /** Live events for this user, from the node's delivery consumer. */
  void onLive(JsonArray events) {
    if (state != State.READY) {
      return;
    }
    for (int i = 0; i < events.size(); i++) {
      JsonObject event = events.getJsonObject(i);
      long seq = event.getLong("seq");
      if (seq <= delivered) {
        continue;
      }
      highestSeen = Math.max(highestSeen, seq);
      if (ahead.size() < MAX_AHEAD) {
        ahead.put(seq, event);
      }
    }
    if (caughtUp && !fetching && !channel.writeQueueFull()) {
      pump();
    } else if (caughtUp && !fetching) {
      channel.onDrain(this::pump);
    }
  }

  /** The user's head as the database last saw it: anything beyond what this session has seen is fetched. */
  void onHead(long head) {
    if (state == State.READY && caughtUp && head > highestSeen) {
      highestSeen = head;
      pump();
    }
  }

  private void drainAhead() {
    while (!ahead.isEmpty() && state != State.CLOSED) {
      long first = ahead.firstKey();
      if (first <= delivered) {
        ahead.pollFirstEntry();
      } else if (first == delivered + 1) {
        JsonObject event = ahead.pollFirstEntry().getValue();
        deliver(event);
        metrics.deliveryLatency.record(Math.max(0, System.currentTimeMillis() - event.getLong("ts")), TimeUnit.MILLISECONDS);
      } else {
        return;
      }
    }
  }

  private void deliver(JsonObject event) {
    deliver(event.getLong("seq"), event.getString("kind"), event.encode(), event);
  }

  /** Writes the event if it is next in line; a live event comes parsed, a fetched one only as text. */
  /**
   * The backlog for a client that asked for batches: consecutive event frames joined into
   * {"type":"events","events":[...]} messages of at most BATCH_EVENTS events or about BATCH_CHARS
   * characters, written as text without parsing them.
   */
  private void deliverBatched(JsonArray seqs, JsonArray kinds, JsonArray frames) {
    StringBuilder batch = null;
    int inBatch = 0;
    for (int i = 0; i < seqs.size() && state != State.CLOSED; i++) {
      long seq = seqs.getLong(i);
      if (seq != delivered + 1) {
        continue;
      }
      delivered = seq;
      highestSeen = Math.max(highestSeen, seq);
      String frame = frames.getString(i);
      if (batch == null) {
        batch = new StringBuilder(BATCH_CHARS + frame.length() + 32).append(BATCH_OPENING);
      } else {
        batch.append(',');
      }
      batch.append(frame);
      inBatch++;
      boolean revoked = Events.DEVICE.equals(kinds.getString(i)) && revokesThisDevice(new JsonObject(frame));
      if (revoked || inBatch == BATCH_EVENTS || batch.length() >= BATCH_CHARS || i == seqs.size() - 1) {
        writeText(batch.append("]}").toString());
        batch = null;
        inBatch = 0;
      }
      if (revoked) {
        close(ErrorCode.DEVICE_REVOKED.closeCode(), "device revoked");
      }
    }
    if (batch != null) {
      writeText(batch.append("]}").toString());
    }
  }

  private void deliver(long seq, String kind, String frame, JsonObject parsed) {
    if (seq != delivered + 1) {
      return;
    }
    delivered = seq;
    highestSeen = Math.max(highestSeen, seq);
    writeText(frame);
    if (Events.DEVICE.equals(kind) && revokesThisDevice(parsed != null ? parsed : new JsonObject(frame))) {
      close(ErrorCode.DEVICE_REVOKED.closeCode(), "device revoked");
    }
  }

  private boolean revokesThisDevice(JsonObject event) {
    JsonObject data = event.getJsonObject("data");
    return "revoked".equals(data.getString("action")) && deviceId.equals(data.getJsonObject("device").getString("device_id"));
  }

  // ---- acks and explicit paging

  /**
   * With an id the ack is stored and answered at once; without one, acks are coalesced: while one
   * write is in flight only the highest later up_to is kept, and written next.
   */
  private void ack(Object id, long upTo) {
    if (id != null) {
      call(Operation.ACK, ackRequest(upTo))
          .onSuccess(reply -> reply("acked", id, reply))
          .onFailure(failure -> error(id, failure));
      return;
    }
    pendingAck = Math.max(pendingAck, upTo);
    flushAck();
  }

  private void flushAck() {
    if (ackInFlight || pendingAck < 0 || state == State.CLOSED) {
      return;
    }
    long upTo = pendingAck;
    pendingAck = -1;
    ackInFlight = true;
    call(Operation.ACK, ackRequest(upTo)).onComplete(done -> {
      ackInFlight = false;
      if (done.failed()) {
        error(null, done.cause());
      }
      flushAck();
    });
  }

  private JsonObject ackRequest(long upTo) {
    return new JsonObject().put("user_id", userId).put("device_id", deviceId).put("up_to", upTo);
  }

  private void syncPage(Object id, JsonObject frame) {
    long since = Fields.requiredCount(frame, "since");
    Long limit = Fields.optionalCount(frame, "limit");
    String conversationId = Fields.optionalId(frame, "conversation_id");
    JsonObject request = new JsonObject().put("user_id", userId).put("after", since).put("limit", limit);
    if (conversationId != null) {
      call(Operation.HISTORY, request.put("conversation_id", conversationId))
          .onSuccess(history -> reply("events", id, new JsonObject()
              .put("conversation_id", conversationId)
              .put("events", history.getJsonArray("messages"))
              .put("has_more", history.getBoolean("has_more"))
              .put("head", history.getLong("head"))))
          .onFailure(failure -> error(id, failure));
      return;
    }
    call(Operation.FETCH, request).onSuccess(page -> {
      long floor = page.getLong("floor");
      if (since < floor) {
        error(id, new LockstepException(ErrorCode.RESET_REQUIRED, "events after " + since
            + " were pruned (retention floor " + floor + "); reconnect to receive a snapshot"));
        return;
      }
      JsonArray seqs = page.getJsonArray("seqs");
      JsonArray events = new JsonArray();
      page.getJsonArray("frames").forEach(text -> events.add(new JsonObject((String) text)));
      long head = page.getLong("head");
      long last = seqs.isEmpty() ? since : seqs.getLong(seqs.size() - 1);
      reply("events", id, new JsonObject().put("events", events).put("has_more", last < head).put("head", head));
    }).onFailure(failure -> error(id, failure));
  }

  // ---- output and lifecycle

  private Future<JsonObject> call(Operation operation, JsonObject request) {
    return bus.call(operation, request);
  }

  private void reply(String type, Object id, JsonObject body) {
    JsonObject frame = new JsonObject().put("type", type);
    if (id != null) {
      frame.put("id", id);
    }
    write(frame.mergeIn(body));
  }

  private void error(Object id, Throwable failure) {
    JsonObject frame = new JsonObject().put("type", "error");
    if (id != null) {
      frame.put("id", id);
    }
    write(frame.mergeIn(LockstepException.of(failure).toJson()));
  }

  private void write(JsonObject frame) {
    writeText(frame.encode());
  }

  private void writeText(String text) {
    if (state != State.CLOSED) {
      metrics.bytesWritten.increment(text.length());
      channel.write(text);
    }
  }

  /** The session cannot continue (its store failed): the client reconnects with its cursor. */
  private void failSession(Throwable failure) {
    error(null, failure);
    close(1011, "server error; reconnect with your cursor");
  }

  Future<Void> close(int code, String reason) {
    if (state == State.CLOSED) {
      return Future.succeededFuture();
    }
    channel.close(code, reason);
    return closed();
  }

  /** The transport closed (by either side); completes when the session left the routing table. */
  Future<Void> closed() {
    if (state == State.CLOSED) {
      return Future.succeededFuture();
    }
    state = State.CLOSED;
    if (gapTimer != -1) {
      vertx.cancelTimer(gapTimer);
    }
    ahead.clear();
    return host.unregister(this, routed);
  }

  private boolean tooLarge(String text) {
    int max = config.maxFrameBytes();
    if (text.length() * 3L <= max) {
      return false;
    }
    return text.length() > max || utf8Length(text) > max;
  }

  private static int utf8Length(String text) {
    int bytes = 0;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c < 0x80) {
        bytes++;
      } else if (c < 0x800) {
        bytes += 2;
      } else if (Character.isHighSurrogate(c)) {
        bytes += 4;
        i++;
      } else {
        bytes += 3;
      }
    }
    return bytes;
  }
}
