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
import io.lockstep.protocol.Events;
import io.lockstep.protocol.Fields;
import io.lockstep.protocol.LockstepException;
import io.lockstep.protocol.Storable;
import io.lockstep.bus.BusClient;
import io.lockstep.bus.BusReply;
import io.lockstep.bus.BusRequest;
import io.lockstep.bus.Caller;
import io.lockstep.bus.ConversationCalls.AddMember;
import io.lockstep.bus.ConversationCalls.CreateConversation;
import io.lockstep.bus.ConversationCalls.RemoveMember;
import io.lockstep.bus.LogCalls;
import io.lockstep.bus.LogCalls.Ack;
import io.lockstep.bus.LogCalls.Fetch;
import io.lockstep.bus.LogCalls.Hello;
import io.lockstep.bus.LogCalls.History;
import io.lockstep.bus.LogCalls.Page;
import io.lockstep.bus.LogCalls.Send;
import io.lockstep.bus.LogCalls.SnapshotReply;
import io.lockstep.bus.LogCalls.Snapshot;
import io.lockstep.bus.LogCalls.Welcome;
import io.lockstep.bus.PushCalls.RegisterToken;
import io.lockstep.bus.PushCalls.UnregisterToken;
import io.lockstep.bus.ReadStateCalls.MarkUnread;
import io.lockstep.bus.ReadStateCalls.Read;
import io.lockstep.bus.SettingsCalls.GetSettings;
import io.lockstep.bus.SettingsCalls.SetSetting;
import io.lockstep.bus.SettingsCalls.SettingsReply;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.List;
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
 * every lower seq of the user). Live events are held only up to a byte budget and not at all while
 * the client reads too slowly: what is not held is fetched from PostgreSQL in bounded pages once the
 * client has caught up with its {@link Outbound} queue. All of it runs on the connection's event loop.
 *
 * <p>What one client can make the session hold is bounded: bytes queued for it ({@link Outbound}),
 * requests in flight ({@code limits.max_in_flight}; beyond it the socket is not read), and frames,
 * sends, membership changes and settings writes per connection and per user (token buckets; a
 * refused frame is answered rate_limited, and after a refused frame the socket is not read until
 * the bucket refills).
 */
final class DeviceSession {

  static final long GAP_GRACE_MS = 20;
  /** Live events held while a gap before them closes, in characters; beyond it they are fetched later. */
  private static final int MAX_AHEAD_CHARS = 256 * 1024;
  /** What a client refused for having too many connections is told to wait. */
  private static final long CONNECTIONS_RETRY_MS = 5_000;
  /** Large frames cost more of the frame limits: parsing is paid per character. */
  private static final int CHARS_PER_FRAME_TOKEN = 16 * 1024;
  /** Explicit pages (sync) served at once per connection; each may be about 256 KiB. */
  private static final int MAX_PAGES_IN_FLIGHT = 2;
  static final int SLOW_CONSUMER = 4008;
  static final int REPLACED = 4009;
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
  private final RateLimits limits;
  private final LockstepMetrics metrics;
  private final Outbound outbound;
  private final Runnable pump = this::pump;
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

  private long delivered;
  private long highestSeen;
  private final TreeMap<Long, LiveEvent> ahead = new TreeMap<>();
  private long aheadChars;
  private boolean caughtUp;
  private boolean fetching;
  private boolean batchCatchUp;
  private long gapTimer = -1;

  private final Bucket framesBucket;
  private final Bucket sendsBucket;
  private final Bucket membersBucket;
  private final Bucket settingsBucket;
  private int inFlight;
  private int pagesInFlight;
  private boolean readingPaused;
  private long limitedUntil;

  private Future<?> sendQueue = Future.succeededFuture();
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
    this.outbound = new Outbound(vertx, channel, limits.config().outbound(), new Outbound.Listener() {
      @Override
      public void pressureChanged() {
        updateReading();
      }

      @Override
      public void slowConsumer() {
        metrics.rateLimited(Refusal.SLOW_CONSUMER);
        close(SLOW_CONSUMER, "slow_consumer");
      }
    });
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
      pauseFor(Math.max(limited.retryAfterMs(), framesRefill(limited)));
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
        track(served);
      }
    } catch (LockstepException e) {
      error(id, e);
    }
  }

  /**
   * Pages (sync) are the heavy requests: at most {@value #MAX_PAGES_IN_FLIGHT} per connection are
   * served at once; beyond that the socket is not read until one is answered.
   */
  private Future<?> trackPage(Future<?> page) {
    pagesInFlight++;
    updateReading();
    page.onComplete(done -> {
      pagesInFlight--;
      updateReading();
    });
    return page;
  }

  /** Counts a request until it is answered; at the limit the socket is not read until one completes. */
  private void track(Future<?> served) {
    inFlight++;
    if (inFlight == limits.config().maxInFlight()) {
      metrics.rateLimited(Refusal.IN_FLIGHT);
      updateReading();
    }
    served.onComplete(done -> {
      inFlight--;
      updateReading();
    });
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

  /** Reads nothing more from the socket for this long (a frame limit was reached). */
  private void pauseFor(long millis) {
    long until = System.currentTimeMillis() + Math.max(1, millis);
    if (until <= limitedUntil) {
      return;
    }
    limitedUntil = until;
    updateReading();
    vertx.setTimer(Math.max(1, millis), id -> updateReading());
  }

  /**
   * Reads from the socket only while the client keeps up: its outbound queue is under the high-water
   * mark, its requests in flight under their limit, and no frame limit asked it to wait.
   */
  private void updateReading() {
    if (state == State.CLOSED) {
      return;
    }
    boolean pause = outbound.aboveHighWater() || inFlight >= limits.config().maxInFlight()
        || pagesInFlight >= MAX_PAGES_IN_FLIGHT
        || System.currentTimeMillis() < limitedUntil;
    if (pause != readingPaused) {
      readingPaused = pause;
      if (pause) {
        channel.pause();
      } else {
        channel.resume();
      }
    }
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
      case "ack" -> ack(id, Ack.from(caller(), frame));
      case "sync" -> trackPage(syncPage(id, frame));
      case "ping" -> {
        reply("pong", id, new JsonObject());
        yield null;
      }
      case "read" -> request(id, "result", Read.from(caller(), frame, lastFrameAt));
      case "mark_unread" -> request(id, "result", MarkUnread.from(caller(), frame, lastFrameAt));
      case "settings.set" -> limited(id, "this settings write",
          admit(settingsBucket, Rated.SETTINGS_CONNECTION, Rated.SETTINGS_USER, 1),
          () -> request(id, "result", SetSetting.from(caller(), frame)));
      case "settings.get" -> request(id, "settings", GetSettings.from(caller(), frame));
      case "push.register" -> request(id, "result", RegisterToken.from(caller(), frame));
      case "push.unregister" -> request(id, "result", new UnregisterToken(caller()));
      case "conversation.create" -> limited(id, "this conversation",
          admit(membersBucket, Rated.MEMBERS_CONNECTION, Rated.MEMBERS_USER, namedMembers(frame)),
          () -> request(id, "result", CreateConversation.from(caller(), frame)));
      case "conversation.add_member" -> limited(id, "this membership change",
          admit(membersBucket, Rated.MEMBERS_CONNECTION, Rated.MEMBERS_USER, 1),
          () -> request(id, "result", AddMember.from(caller(), frame)));
      case "conversation.remove_member" -> limited(id, "this membership change",
          admit(membersBucket, Rated.MEMBERS_CONNECTION, Rated.MEMBERS_USER, 1),
          () -> request(id, "result", RemoveMember.from(caller(), frame)));
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

  /** Who this connection acts for: the user its token named and the device its hello identified. */
  private Caller caller() {
    return Caller.device(userId, deviceId);
  }

  /** Sends of one connection are committed one after another, in the order they arrived. */
  private Future<?> send(Object id, JsonObject frame) {
    Send request = Send.from(caller(), frame);
    sendQueue = sendQueue.transform(previous -> request(id, "sent", request));
    return sendQueue;
  }

  /** A request on behalf of this device, answered with a frame of the given type around its reply. */
  private <R extends BusReply> Future<R> request(Object id, String replyType, BusRequest<R> request) {
    return bus.call(request)
        .onSuccess(result -> reply(replyType, id, result.toJson()))
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
    String token;
    Hello claim;
    try {
      token = Fields.requiredString(frame, "token");
      claim = Hello.from(null, frame);
      batchCatchUp = Fields.optionalBoolean(frame, "batch");
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
          if (claim.deviceId() == null) {
            Refusal registering = limits.take(Rated.DEVICES_USER, user, 1);
            if (registering != null) {
              throw registering.toError("registering another device");
            }
          }
          return bus.call(claim.by(Caller.user(user)));
        })
        .compose(reply -> {
          if (state == State.CLOSED) {
            throw new LockstepException(ErrorCode.NOT_READY, "connection closed during hello");
          }
          deviceId = reply.deviceId();
          routed = true;
          welcomedAt = System.currentTimeMillis();
          return host.register(this).map(reply);
        })
        .onSuccess(reply -> welcome(id, reply, claim.cursor()))
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
  private void welcome(Object id, Welcome hello, Long explicitCursor) {
    if (state == State.CLOSED) {
      return;
    }
    state = State.READY;
    vertx.cancelTimer(helloTimer);
    long stored = hello.cursor();
    long head = hello.head();
    long floor = hello.floor();
    boolean isNew = hello.isNew();
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
      sendSnapshot();
    } else {
      delivered = start;
      pump();
    }
  }

  /** Sends a snapshot and continues from its head: for new devices and devices behind the retention floor. */
  private void sendSnapshot() {
    fetching = true;
    Future.all(bus.call(new Snapshot(caller())), bus.call(new GetSettings(caller(), null))).onComplete(done -> {
      fetching = false;
      if (done.failed()) {
        failSession(done.cause());
        return;
      }
      JsonObject snapshot = done.result().<SnapshotReply>resultAt(0).toJson()
          .put("settings", done.result().<SettingsReply>resultAt(1).toJson());
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
    if (outbound.aboveHighWater()) {
      outbound.whenDrained(pump);
      return;
    }
    fetching = true;
    requestPage(delivered).onComplete(this::onPage);
  }

  private Future<JsonObject> requestPage(long after) {
    return bus.call(new Fetch(caller(), after, config.catchUpPage())).map(Page::toJson);
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
      aheadChars = 0;
      sendSnapshot();
      return;
    }
    boolean fullPage = seqs.size() == config.catchUpPage() || fetched.getBoolean("truncated");
    Future<JsonObject> next = null;
    if (!caughtUp && fullPage && !outbound.aboveHighWater()) {
      fetching = true;
      next = requestPage(seqs.getLong(seqs.size() - 1));
    }
    JsonArray kinds = fetched.getJsonArray("kinds");
    JsonArray frames = fetched.getJsonArray("frames");
    if (batchCatchUp && !caughtUp) {
      deliverBatched(seqs, kinds, frames);
    } else {
      for (int i = 0; i < seqs.size(); i++) {
        deliver(seqs.getLong(i), kinds.getString(i), frames.getString(i));
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

  /**
   * Live events for this user, from the node's delivery consumer. They are held (up to a budget)
   * only while the client keeps up; otherwise only their seq is noted and they are fetched later.
   */
  void onLive(List<LiveEvent> events) {
    if (state != State.READY) {
      return;
    }
    boolean hold = !outbound.aboveHighWater();
    for (LiveEvent event : events) {
      long seq = event.seq();
      if (seq <= delivered) {
        continue;
      }
      highestSeen = Math.max(highestSeen, seq);
      if (hold && aheadChars + event.size() <= MAX_AHEAD_CHARS && ahead.putIfAbsent(seq, event) == null) {
        aheadChars += event.size();
      }
    }
    if (caughtUp && !fetching) {
      if (outbound.aboveHighWater()) {
        outbound.whenDrained(pump);
      } else {
        pump();
      }
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
      if (first > delivered + 1) {
        return;
      }
      LiveEvent event = ahead.pollFirstEntry().getValue();
      aheadChars -= event.size();
      if (first == delivered + 1) {
        delivered = first;
        writeText(event.frame());
        metrics.deliveryLatency.record(Math.max(0, System.currentTimeMillis() - event.ts()), TimeUnit.MILLISECONDS);
        if (deviceId.equals(event.revokedDevice())) {
          close(ErrorCode.DEVICE_REVOKED.closeCode(), "device revoked");
        }
      }
    }
  }

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

  /** Writes a fetched event if it is next in line. */
  private void deliver(long seq, String kind, String frame) {
    if (seq != delivered + 1) {
      return;
    }
    delivered = seq;
    highestSeen = Math.max(highestSeen, seq);
    writeText(frame);
    if (Events.DEVICE.equals(kind) && revokesThisDevice(new JsonObject(frame))) {
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
  private Future<?> ack(Object id, Ack request) {
    if (id != null) {
      return request(id, "acked", request);
    }
    pendingAck = Math.max(pendingAck, request.upTo());
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
    bus.call(new Ack(caller(), upTo)).onComplete(done -> {
      ackInFlight = false;
      if (done.failed()) {
        error(null, done.cause());
      }
      flushAck();
    });
  }

  private Future<?> syncPage(Object id, JsonObject frame) {
    long since = Fields.requiredCount(frame, "since");
    int limit = Fields.pageLimit(frame, "limit", LogCalls.DEFAULT_PAGE, LogCalls.MAX_PAGE);
    String conversationId = Fields.optionalId(frame, "conversation_id");
    if (conversationId != null) {
      return bus.call(new History(caller(), conversationId, since, limit))
          .onSuccess(history -> reply("events", id, new JsonObject()
              .put("conversation_id", conversationId)
              .put("events", history.messages())
              .put("has_more", history.hasMore())
              .put("head", history.head())))
          .onFailure(failure -> error(id, failure));
    }
    return bus.call(new Fetch(caller(), since, limit)).onSuccess(page -> {
      if (state == State.CLOSED) {
        return;
      }
      long floor = page.floor();
      if (since < floor) {
        error(id, new LockstepException(ErrorCode.RESET_REQUIRED, "events after " + since
            + " were pruned (retention floor " + floor + "); reconnect to receive a snapshot"));
        return;
      }
      long head = page.head();
      writeText(eventsReply(id, page.frames(), page.lastSeq(since) < head, head));
    }).onFailure(failure -> error(id, failure));
  }

  /** An events reply around ready-made event frames, joined as text: a page is never parsed and re-encoded. */
  private static String eventsReply(Object id, List<String> frames, boolean hasMore, long head) {
    StringBuilder reply = new StringBuilder(64 + frames.size() * 256).append("{\"type\":\"events\"");
    if (id != null) {
      reply.append(",\"id\":").append(Json.encode(id));
    }
    reply.append(",\"events\":[");
    for (int i = 0; i < frames.size(); i++) {
      reply.append(i == 0 ? "" : ",").append(frames.get(i));
    }
    return reply.append("],\"has_more\":").append(hasMore).append(",\"head\":").append(head).append('}').toString();
  }

  // ---- output and lifecycle

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
    if (gapTimer != -1) {
      vertx.cancelTimer(gapTimer);
    }
    ahead.clear();
    aheadChars = 0;
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
