package io.lockstep.connection;

import io.github.bucket4j.Bucket;
import io.lockstep.auth.TokenAuth;
import io.lockstep.config.LimitsConfig;
import io.lockstep.config.LimitsConfig.Rated;
import io.lockstep.config.LockstepConfig.SessionConfig;
import io.lockstep.limits.RateLimits;
import io.lockstep.limits.Refusal;
import io.lockstep.metrics.LockstepMetrics;
import io.lockstep.protocol.ErrorCode;
import io.lockstep.protocol.Fields;
import io.lockstep.protocol.LockstepException;
import io.lockstep.protocol.Storable;
import io.lockstep.bus.BusClient;
import io.lockstep.bus.Operation;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * The protocol state of one device connection: decodes its frames, serves them over the event bus
 * and writes the answers. From the welcome on, its {@link DeliveryStream} writes the user's log to
 * the connection, each event exactly once and in ascending seq. All of it runs on the connection's
 * event loop.
 *
 * <p>What one client can make the session hold is bounded: bytes queued for it ({@link Outbound}),
 * requests in flight ({@code limits.max_in_flight}; beyond it the socket is not read, see
 * {@link ReadGate}), and frames,
 * sends, membership changes and settings writes per connection and per user (token buckets; a
 * refused frame is answered rate_limited, and after a refused frame the socket is not read until
 * the bucket refills).
 */
final class DeviceSession {

  /** What a client refused for having too many connections is told to wait. */
  private static final long CONNECTIONS_RETRY_MS = 5_000;
  /** Large frames cost more of the frame limits: parsing is paid per character. */
  private static final int CHARS_PER_FRAME_TOKEN = 16 * 1024;
  static final int SLOW_CONSUMER = 4008;
  static final int REPLACED = 4009;
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
  private final RateLimits limits;
  private final LockstepMetrics metrics;
  private final Clock clock;
  private final Outbound outbound;
  private final ReadGate reading;
  private final String connectionId = UUID.randomUUID().toString();
  private final long openedAt = System.currentTimeMillis();
  private final long helloTimer;

  private State state = State.AWAITING_HELLO;
  private boolean routed;
  private boolean countedConnection;
  private String userId;
  private String deviceId;
  private long lastFrameAt = openedAt;
  private long welcomedAt;

  private boolean batchCatchUp;
  private DeliveryStream stream;

  private final Bucket framesBucket;
  private final Bucket sendsBucket;
  private final Bucket membersBucket;
  private final Bucket settingsBucket;

  private Future<JsonObject> sendQueue = Future.succeededFuture();
  private long pendingAck = -1;
  private boolean ackInFlight;

  DeviceSession(Vertx vertx, FrameChannel channel, BusClient bus, TokenAuth auth, SessionHost host,
                SessionConfig config, RateLimits limits, LockstepMetrics metrics) {
    this.vertx = vertx;
    this.channel = channel;
    this.bus = bus;
    this.auth = auth;
    this.host = host;
    this.config = config;
    this.limits = limits;
    this.metrics = metrics;
    this.clock = Clock.of(vertx);
    this.outbound = new Outbound(vertx, channel, limits.config().outbound(), new Outbound.Listener() {
      @Override
      public void pressureChanged() {
        reading.update();
      }

      @Override
      public void slowConsumer() {
        metrics.rateLimited(Refusal.SLOW_CONSUMER);
        close(SLOW_CONSUMER, "slow_consumer");
      }
    });
    this.reading = new ReadGate(paused -> {
      if (paused) {
        channel.pause();
      } else {
        channel.resume();
      }
    }, clock, outbound::aboveHighWater, limits.config().maxInFlight(), metrics);
    this.framesBucket = limits.connectionBucket(Rated.FRAMES_CONNECTION);
    this.sendsBucket = limits.connectionBucket(Rated.SENDS_CONNECTION);
    this.membersBucket = limits.connectionBucket(Rated.MEMBERS_CONNECTION);
    this.settingsBucket = limits.connectionBucket(Rated.SETTINGS_CONNECTION);
    this.helloTimer = vertx.setTimer(config.helloTimeout().toMillis(), id -> {
      if (state == State.AWAITING_HELLO || state == State.GREETING) {
        close(ErrorCode.UNAUTHORIZED.closeCode(), "no hello within " + config.helloTimeout().toMillis() + " ms");
      }
    });
  }

  /** Starts reading from the connection. */
  void start() {
    channel.start(this);
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

  /** When the session was welcomed: of several sockets of one device, the latest welcomed is the newest. */
  long welcomedAt() {
    return welcomedAt;
  }

  // ---- frames from the client

  void onText(String text) {
    if (state == State.CLOSED) {
      return;
    }
    lastFrameAt = System.currentTimeMillis();
    Refusal limited = admit(framesBucket, Rated.FRAMES_CONNECTION, Rated.FRAMES_USER, frameCost(text));
    if (limited != null) {
      reading.pauseFor(Math.max(limited.retryAfterMs(), framesRefill(limited)));
    }
    if (tooLarge(text)) {
      error(null, limited != null ? limited.toError("this frame") : new LockstepException(ErrorCode.FRAME_TOO_LARGE,
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
    if (limited != null) {
      error(id, limited.toError("this frame"));
      return;
    }
    String unstorable = Storable.problem(frame);
    if (unstorable != null) {
      error(id, Fields.invalid(unstorable,
          "holds what cannot be stored (a NUL character, a lone surrogate or a non-finite number)"));
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
      Future<?> served = handle(typeName, id, frame);
      if (served != null) {
        reading.track(served);
      }
    } catch (LockstepException e) {
      error(id, e);
    }
  }

  /**
   * Takes cost tokens from this connection's bucket and the user's (before hello, only the
   * connection's): null when both allow it, else the refusal.
   */
  private Refusal admit(Bucket connection, Rated connectionLimit, Rated userLimit, long cost) {
    Refusal refused = limits.take(connection, connectionLimit, cost);
    if (refused != null || userId == null) {
      return refused;
    }
    refused = limits.take(userLimit, userId, cost);
    if (refused != null && connection != null) {
      connection.addTokens(cost);
    }
    return refused;
  }

  /** A frame costs one token of the frame limits per started {@value #CHARS_PER_FRAME_TOKEN} characters. */
  private static long frameCost(String text) {
    return 1 + text.length() / CHARS_PER_FRAME_TOKEN;
  }

  /**
   * After a frame is refused the socket is not read until a quarter of the bucket has refilled, so a
   * flooding client meets a few refusals a second and otherwise TCP backpressure, not one refusal per frame.
   */
  private long framesRefill(Refusal limited) {
    LimitsConfig.Rate rate = limits.config().rate(limited.limit().equals(Rated.FRAMES_USER.label())
        ? Rated.FRAMES_USER : Rated.FRAMES_CONNECTION);
    return rate.millisFor(Math.max(1, rate.burst() / 4));
  }

  /** A frame that cannot be parsed as text (binary WebSocket message). */
  void onBinary() {
    lastFrameAt = System.currentTimeMillis();
    error(null, new LockstepException(ErrorCode.BAD_FRAME, "frames are JSON text messages; binary is not accepted"));
  }

  /** Serves one frame; answers the request's completion, or null when it was answered at once. */
  private Future<?> handle(String type, Object id, JsonObject frame) {
    return switch (type) {
      case "send" -> limited(id, "this send", admit(sendsBucket, Rated.SENDS_CONNECTION, Rated.SENDS_USER, 1),
          () -> send(id, frame));
      case "ack" -> ack(id, Fields.requiredCount(frame, "up_to"));
      case "sync" -> reading.trackPage(syncPage(id, frame));
      case "ping" -> {
        reply("pong", id, new JsonObject());
        yield null;
      }
      case "read" -> readState(Operation.READ, id, frame);
      case "mark_unread" -> readState(Operation.MARK_UNREAD, id, frame);
      case "settings.set" -> limited(id, "this settings write",
          admit(settingsBucket, Rated.SETTINGS_CONNECTION, Rated.SETTINGS_USER, 1),
          () -> deviceRequest(Operation.SET_SETTING, id, frame));
      case "settings.get" -> call(Operation.GET_SETTINGS, frame.copy().put("user_id", userId).put("device_id", deviceId))
          .onSuccess(settings -> reply("settings", id, settings))
          .onFailure(failure -> error(id, failure));
      case "push.register" -> deviceRequest(Operation.PUSH_REGISTER, id, frame);
      case "push.unregister" -> deviceRequest(Operation.PUSH_UNREGISTER, id, frame);
      case "conversation.create" -> limited(id, "this conversation",
          admit(membersBucket, Rated.MEMBERS_CONNECTION, Rated.MEMBERS_USER, namedMembers(frame)),
          () -> conversationChange(Operation.CREATE_CONVERSATION, id, frame));
      case "conversation.add_member" -> limited(id, "this membership change",
          admit(membersBucket, Rated.MEMBERS_CONNECTION, Rated.MEMBERS_USER, 1),
          () -> conversationChange(Operation.ADD_MEMBER, id, memberFrame(frame)));
      case "conversation.remove_member" -> limited(id, "this membership change",
          admit(membersBucket, Rated.MEMBERS_CONNECTION, Rated.MEMBERS_USER, 1),
          () -> conversationChange(Operation.REMOVE_MEMBER, id, memberFrame(frame)));
      default -> throw new IllegalStateException(type);
    };
  }

  /** Serves the request unless a limit refused it, in which case it is answered rate_limited. */
  private Future<?> limited(Object id, String what, Refusal refused, java.util.function.Supplier<Future<?>> serve) {
    if (refused != null) {
      error(id, refused.toError(what));
      return null;
    }
    return serve.get();
  }

  /** Users a conversation.create names, each counting against the membership limits (at least one). */
  private static long namedMembers(JsonObject frame) {
    return frame.getValue("members") instanceof JsonArray members ? Math.max(1, members.size()) : 1;
  }

  /** Sends of one connection are committed one after another, in the order they arrived. */
  private Future<JsonObject> send(Object id, JsonObject frame) {
    JsonObject request = frame.copy().put("user_id", userId).put("device_id", deviceId);
    sendQueue = sendQueue.transform(previous -> call(Operation.SEND, request)
        .onSuccess(sent -> reply("sent", id, sent))
        .onFailure(failure -> error(id, failure)));
    return sendQueue;
  }

  private Future<JsonObject> readState(Operation operation, Object id, JsonObject frame) {
    return call(operation, frame.copy().put("user_id", userId).put("device_id", deviceId).put("received_at", lastFrameAt))
        .onSuccess(state -> reply("result", id, state))
        .onFailure(failure -> error(id, failure));
  }

  /** A request on behalf of this device, answered with a result frame. */
  private Future<JsonObject> deviceRequest(Operation operation, Object id, JsonObject frame) {
    return call(operation, frame.copy().put("user_id", userId).put("device_id", deviceId))
        .onSuccess(result -> reply("result", id, result))
        .onFailure(failure -> error(id, failure));
  }

  private static JsonObject memberFrame(JsonObject frame) {
    return frame.copy().put("member", frame.getValue("user_id"));
  }

  private Future<JsonObject> conversationChange(Operation operation, Object id, JsonObject frame) {
    return call(operation, frame.copy().put("user_id", userId))
        .onSuccess(result -> reply("result", id, result))
        .onFailure(failure -> error(id, failure));
  }

  // ---- hello and catch-up

  /**
   * Authenticates the client and identifies its device. A refused hello leaves nothing behind: no
   * device, no event, no presence; errors that do not end the connection leave it open for a
   * corrected hello.
   */
  private void hello(Object id, JsonObject frame) {
    Refusal refused = limits.take(Rated.HELLOS_IP, channel.remoteAddress(), 1);
    if (refused != null) {
      error(id, refused.toError("this hello"));
      return;
    }
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
          .put("platform", Fields.optionalString(frame, "platform"))
          .put("cursor", explicitCursor);
    } catch (LockstepException e) {
      state = State.AWAITING_HELLO;
      error(id, e);
      return;
    }
    auth.userId(token)
        .compose(user -> {
          if (state == State.CLOSED) {
            throw new LockstepException(ErrorCode.NOT_READY, "connection closed during hello");
          }
          if (!limits.openConnection(user)) {
            throw new Refusal(Refusal.CONNECTIONS_PER_USER, CONNECTIONS_RETRY_MS).toError("this connection");
          }
          countedConnection = true;
          userId = user;
          if (request.getString("device_id") == null) {
            Refusal registering = limits.take(Rated.DEVICES_USER, user, 1);
            if (registering != null) {
              throw registering.toError("registering another device");
            }
          }
          return call(Operation.HELLO, request.put("user_id", user));
        })
        .compose(reply -> {
          if (state == State.CLOSED) {
            throw new LockstepException(ErrorCode.NOT_READY, "connection closed during hello");
          }
          deviceId = reply.getString("device_id");
          routed = true;
          welcomedAt = System.currentTimeMillis();
          return host.register(this).map(reply);
        })
        .onSuccess(reply -> welcome(id, reply, explicitCursor))
        .onFailure(failure -> {
          LockstepException error = LockstepException.of(failure);
          if (!routed) {
            forgetUser();
          }
          error(id, error);
          if (error.code().closeCode() != 0) {
            close(error.code().closeCode(), error.getMessage());
          } else if (state == State.GREETING) {
            state = State.AWAITING_HELLO;
          }
        });
  }

  /** Undoes what a refused hello counted: the user's connection and the user itself. */
  private void forgetUser() {
    if (countedConnection) {
      countedConnection = false;
      limits.closeConnection(userId);
    }
    userId = null;
    deviceId = null;
  }

  /** Answers the hello (with its id, if it had one) and starts the snapshot or the backlog. */
  private void welcome(Object id, JsonObject hello, Long explicitCursor) {
    if (state == State.CLOSED) {
      return;
    }
    state = State.READY;
    vertx.cancelTimer(helloTimer);
    Delivery delivery = new Delivery();
    stream = new DeliveryStream(delivery, delivery, clock, metrics, deviceId, config.catchUpPage(), batchCatchUp);
    long stored = hello.getLong("cursor");
    long head = hello.getLong("head");
    long floor = hello.getLong("floor");
    boolean isNew = hello.getBoolean("new");
    long start = explicitCursor != null ? explicitCursor : stored;
    boolean resetRequired = !(isNew && explicitCursor == null) && start < floor;
    JsonObject welcome = new JsonObject().put("type", "welcome");
    if (id != null) {
      welcome.put("id", id);
    }
    write(welcome
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
      stream.startWithSnapshot();
    } else {
      stream.startAfter(start);
    }
  }

  /** Live events for this user, from the node's delivery consumer. */
  void onLive(List<LiveEvent> events) {
    if (stream != null) {
      stream.onLive(events);
    }
  }

  /** The user's head as the database last saw it. */
  void onHead(long head) {
    if (stream != null) {
      stream.onHead(head);
    }
  }

  /** What the delivery stream reads from the event bus and writes to this connection. */
  private final class Delivery implements DeliveryStream.Source, DeliveryStream.Client {

    @Override
    public Future<DeliveryStream.Page> fetch(long after, int limit) {
      return call(Operation.FETCH, new JsonObject().put("user_id", userId).put("after", after).put("limit", limit))
          .map(DeviceSession::page);
    }

    @Override
    public Future<DeliveryStream.Snapshot> snapshot() {
      JsonObject request = new JsonObject().put("user_id", userId).put("device_id", deviceId);
      return Future.all(call(Operation.SNAPSHOT, request), call(Operation.GET_SETTINGS, request)).map(done -> {
        JsonObject snapshot = done.<JsonObject>resultAt(0).put("settings", done.<JsonObject>resultAt(1));
        return new DeliveryStream.Snapshot(new JsonObject().put("type", "snapshot").mergeIn(snapshot).encode(),
            snapshot.getLong("head"));
      });
    }

    @Override
    public void write(String frame) {
      writeText(frame);
    }

    @Override
    public boolean aboveHighWater() {
      return outbound.aboveHighWater();
    }

    @Override
    public void whenDrained(Runnable action) {
      outbound.whenDrained(action);
    }

    @Override
    public void revoked() {
      close(ErrorCode.DEVICE_REVOKED.closeCode(), "device revoked");
    }

    @Override
    public void failed(Throwable cause) {
      failSession(cause);
    }
  }

  /** A fetch reply ({seqs, kinds, frames, head, floor, truncated}) as the delivery stream reads it. */
  private static DeliveryStream.Page page(JsonObject fetched) {
    JsonArray seqs = fetched.getJsonArray("seqs");
    JsonArray kinds = fetched.getJsonArray("kinds");
    JsonArray frames = fetched.getJsonArray("frames");
    List<DeliveryStream.Fetched> events = new ArrayList<>(seqs.size());
    for (int i = 0; i < seqs.size(); i++) {
      events.add(new DeliveryStream.Fetched(seqs.getLong(i), kinds.getString(i), frames.getString(i)));
    }
    return new DeliveryStream.Page(events, fetched.getBoolean("truncated"));
  }

  // ---- acks and explicit paging

  /**
   * With an id the ack is stored and answered at once; without one, acks are coalesced: while one
   * write is in flight only the highest later up_to is kept, and written next.
   */
  private Future<JsonObject> ack(Object id, long upTo) {
    if (id != null) {
      return call(Operation.ACK, ackRequest(upTo))
          .onSuccess(reply -> reply("acked", id, reply))
          .onFailure(failure -> error(id, failure));
    }
    pendingAck = Math.max(pendingAck, upTo);
    flushAck();
    return null;
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

  private Future<JsonObject> syncPage(Object id, JsonObject frame) {
    long since = Fields.requiredCount(frame, "since");
    Long limit = Fields.optionalCount(frame, "limit");
    String conversationId = Fields.optionalId(frame, "conversation_id");
    JsonObject request = new JsonObject().put("user_id", userId).put("after", since).put("limit", limit);
    if (conversationId != null) {
      return call(Operation.HISTORY, request.put("conversation_id", conversationId))
          .onSuccess(history -> reply("events", id, new JsonObject()
              .put("conversation_id", conversationId)
              .put("events", history.getJsonArray("messages"))
              .put("has_more", history.getBoolean("has_more"))
              .put("head", history.getLong("head"))))
          .onFailure(failure -> error(id, failure));
    }
    return call(Operation.FETCH, request).onSuccess(page -> {
      if (state == State.CLOSED) {
        return;
      }
      long floor = page.getLong("floor");
      if (since < floor) {
        error(id, new LockstepException(ErrorCode.RESET_REQUIRED, "events after " + since
            + " were pruned (retention floor " + floor + "); reconnect to receive a snapshot"));
        return;
      }
      JsonArray seqs = page.getJsonArray("seqs");
      long head = page.getLong("head");
      long last = seqs.isEmpty() ? since : seqs.getLong(seqs.size() - 1);
      writeText(eventsReply(id, page.getJsonArray("frames"), last < head, head));
    }).onFailure(failure -> error(id, failure));
  }

  /** An events reply around ready-made event frames, joined as text: a page is never parsed and re-encoded. */
  private static String eventsReply(Object id, JsonArray frames, boolean hasMore, long head) {
    StringBuilder reply = new StringBuilder(64 + frames.size() * 256).append("{\"type\":\"events\"");
    if (id != null) {
      reply.append(",\"id\":").append(Json.encode(id));
    }
    reply.append(",\"events\":[");
    for (int i = 0; i < frames.size(); i++) {
      reply.append(i == 0 ? "" : ",").append(frames.getString(i));
    }
    return reply.append("],\"has_more\":").append(hasMore).append(",\"head\":").append(head).append('}').toString();
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
    if (state != State.CLOSED && outbound.write(text)) {
      metrics.bytesWritten.increment(text.length());
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
    vertx.cancelTimer(helloTimer);
    if (stream != null) {
      stream.close();
    }
    reading.close();
    outbound.close();
    if (countedConnection) {
      countedConnection = false;
      limits.closeConnection(userId);
    }
    return host.unregister(this, routed);
  }

  private boolean tooLarge(String text) {
    int max = config.maxFrameBytes();
    if (text.length() * 3L <= max) {
      return false;
    }
    return text.length() > max || Outbound.utf8Length(text) > max;
  }
}
