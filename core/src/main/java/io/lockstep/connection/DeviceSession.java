package io.lockstep.connection;

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
import io.lockstep.bus.LogCalls.FetchStream;
import io.lockstep.bus.LogCalls.StreamAck;
import io.lockstep.bus.LogCalls.StreamReset;
import io.lockstep.bus.LogCalls.Hello;
import io.lockstep.bus.LogCalls.History;
import io.lockstep.bus.LogCalls.Page;
import io.lockstep.bus.LogCalls.Send;
import io.lockstep.bus.LogCalls.SendBatch;
import io.lockstep.bus.LogCalls.SnapshotReply;
import io.lockstep.bus.LogCalls.Snapshot;
import io.lockstep.bus.LogCalls.Welcome;
import io.lockstep.bus.PushCalls.RegisterToken;
import io.lockstep.bus.PushCalls.UnregisterToken;
import io.lockstep.bus.ReadStateCalls.MarkUnread;
import io.lockstep.bus.ReadStateCalls.Read;
import io.lockstep.bus.ReadStateCalls.Repair;
import io.lockstep.bus.SettingsCalls.GetSettings;
import io.lockstep.bus.SettingsCalls.SetSetting;
import io.lockstep.bus.SettingsCalls.SettingsReply;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * The protocol state of one device connection: decodes its frames, serves them over the event bus
 * and writes the answers. From the welcome on, its {@link DeliveryStream} writes the user's log to
 * the connection, each event exactly once and in ascending seq, and (for a client that reads streams)
 * its {@link StreamReaders} do the same for each large conversation. All of it runs on the
 * connection's event loop.
 *
 * <p>What one client can make the session hold is bounded: bytes queued for it ({@link Outbound}),
 * requests in flight ({@code limits.max_in_flight}; beyond it the socket is not read, see
 * {@link ReadGate}), and frames, sends, membership changes and settings writes per connection and
 * per user ({@link SessionLimits}; a refused frame is answered rate_limited, and after a refused
 * frame the socket is not read until the bucket refills).
 */
final class DeviceSession {

  /** What a client refused for having too many connections is told to wait. */
  private static final long CONNECTIONS_RETRY_MS = 5_000;
  /** A connection's repairs: at most one a second, each read again this many times if the log outruns it. */
  private static final long REPAIR_INTERVAL_MS = 1_000;
  private static final int REPAIR_ATTEMPTS = 3;
  private static final String REPAIRS_LIMIT = "repairs_connection";
  static final String FOCUSED = "focused";
  private static final Set<String> ATTENTION_STATES = Set.of(FOCUSED, "background", "idle");
  static final int SLOW_CONSUMER = 4008;
  static final int REPLACED = 4009;

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
  private boolean readsStreams;
  private DeliveryStream stream;
  private boolean repairing;
  private String attention;
  private long lastRepairAt = Long.MIN_VALUE / 2;
  private StreamReaders streams;

  private final SessionLimits spending;

  private final ArrayDeque<WaitingSend> waitingSends = new ArrayDeque<>();
  private boolean sendsInFlight;
  private long pendingAck = -1;
  private boolean ackInFlight;
  private final Map<String, Long> pendingStreamAcks = new HashMap<>();
  private final Set<String> streamAcksInFlight = new HashSet<>();

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
    this.spending = new SessionLimits(limits);
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

  /** What this connection's client last said of its user's attention; null until it says. */
  String attention() {
    return attention;
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
    Refusal limited = spending.frame(text, userId);
    if (limited != null) {
      reading.pauseFor(spending.framesPause(limited));
    }
    if (ClientFrame.tooLarge(text, config.maxFrameBytes())) {
      error(null, limited != null ? limited.toError("this frame") : ClientFrame.tooLargeError(config.maxFrameBytes()));
      return;
    }
    ClientFrame frame;
    try {
      frame = ClientFrame.parse(text);
    } catch (LockstepException e) {
      error(null, e);
      return;
    }
    if (limited != null) {
      error(frame.id(), limited.toError("this frame"));
      return;
    }
    try {
      serve(frame.typed());
    } catch (LockstepException e) {
      error(frame.id(), e);
    }
  }

  private void serve(ClientFrame frame) {
    if (frame.type().equals("hello")) {
      if (state != State.AWAITING_HELLO) {
        throw new LockstepException(ErrorCode.ALREADY_GREETED, "this connection already sent hello");
      }
      hello(frame.id(), frame.json());
      return;
    }
    if (state != State.READY) {
      throw new LockstepException(ErrorCode.NOT_READY, "send hello first and wait for welcome");
    }
    Future<?> served = handle(frame.type(), frame.id(), frame.json());
    if (served != null) {
      reading.track(served);
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
      case "send" -> limited(id, "this send", spending.send(userId), () -> send(id, frame));
      case "ack" -> frame.containsKey("stream") ? streamAck(id, StreamAck.from(caller(), frame))
          : ack(id, Ack.from(caller(), frame));
      case "sync" -> reading.trackPage(syncPage(id, frame));
      case "ping" -> {
        reply("pong", id, new JsonObject());
        yield null;
      }
      case "read" -> request(id, "result", Read.from(caller(), frame, lastFrameAt));
      case "mark_unread" -> request(id, "result", MarkUnread.from(caller(), frame, lastFrameAt));
      case "repair" -> repair(id, Repair.from(caller(), frame));
      case "attention" -> attention(id, frame);
      case "settings.set" -> limited(id, "this settings write", spending.settingsWrite(userId),
          () -> request(id, "result", SetSetting.from(caller(), frame)));
      case "settings.get" -> request(id, "settings", GetSettings.from(caller(), frame));
      case "push.register" -> request(id, "result", RegisterToken.from(caller(), frame));
      case "push.unregister" -> request(id, "result", new UnregisterToken(caller()));
      case "conversation.create" -> limited(id, "this conversation", spending.membership(userId, frame),
          () -> request(id, "result", CreateConversation.from(caller(), frame)));
      case "conversation.add_member" -> limited(id, "this membership change", spending.membership(userId, frame),
          () -> request(id, "result", AddMember.from(caller(), frame)));
      case "conversation.remove_member" -> limited(id, "this membership change", spending.membership(userId, frame),
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

  /** Who this connection acts for: the user its token named and the device its hello identified. */
  private Caller caller() {
    return Caller.device(userId, deviceId);
  }

  /**
   * Sends of one connection are committed in the order they arrived: while one run of them is in the
   * database the next wait here, and go together when it is answered, each run holding consecutive
   * sends to one conversation (which join that conversation's lane in order, and may share its
   * transaction). How many wait is bounded by the requests in flight ({@link ReadGate}).
   */
  private Future<?> send(Object id, JsonObject frame) {
    Send request = Send.from(caller(), frame);
    Promise<Void> answered = Promise.promise();
    waitingSends.add(new WaitingSend(id, request, answered));
    nextSends();
    return answered.future();
  }

  private record WaitingSend(Object id, Send request, Promise<Void> answered) {
  }

  private void nextSends() {
    if (state == State.CLOSED) {
      waitingSends.forEach(send -> send.answered().complete());
      waitingSends.clear();
      return;
    }
    if (sendsInFlight || waitingSends.isEmpty()) {
      return;
    }
    List<WaitingSend> run = new ArrayList<>();
    String conversationId = waitingSends.peek().request().conversationId();
    while (!waitingSends.isEmpty() && waitingSends.peek().request().conversationId().equals(conversationId)) {
      run.add(waitingSends.poll());
    }
    sendsInFlight = true;
    bus.call(new SendBatch(caller(), run.stream().map(WaitingSend::request).toList())).onComplete(done -> {
      sendsInFlight = false;
      for (int i = 0; i < run.size(); i++) {
        WaitingSend send = run.get(i);
        if (done.failed()) {
          error(send.id(), done.cause());
        } else if (done.result().answers().get(i).refused() != null) {
          error(send.id(), done.result().answers().get(i).refused());
        } else {
          reply("sent", send.id(), done.result().answers().get(i).sent().toJson());
        }
        send.answered().complete();
      }
      nextSends();
    });
  }

  /**
   * Records the user's attention on this connection (in its presence and on the device) and answers
   * once both are written; the same state again writes nothing.
   */
  private Future<?> attention(Object id, JsonObject frame) {
    String declared = Fields.optionalString(frame, "state");
    if (declared == null || !ATTENTION_STATES.contains(declared)) {
      throw Fields.invalid("state", "must be \"focused\", \"background\" or \"idle\"");
    }
    String previous = attention;
    JsonObject answer = new JsonObject().put("attention", declared);
    if (declared.equals(previous)) {
      answerAttention(id, answer);
      return null;
    }
    attention = declared;
    return host.attention(this, previous)
        .onSuccess(v -> answerAttention(id, answer))
        .onFailure(failure -> error(id, failure));
  }

  /** Attention frames are often sent without an id (on every focus change): those get no reply. */
  private void answerAttention(Object id, JsonObject answer) {
    if (id != null) {
      reply("result", id, answer);
    }
  }

  /**
   * Answers a repair with the user's read state and account settings, written in its place among the
   * events: right after the event it reflects. The stream holds its events while the state is read, so
   * the read sees a position it has not passed (a page being read when it paused may still carry it
   * past: then the state is read again). One repair per connection at a time, and at most one a
   * second: each reads the user's whole state.
   */
  private Future<?> repair(Object id, Repair request) {
    long now = clock.now();
    if (repairing || now - lastRepairAt < REPAIR_INTERVAL_MS) {
      error(id, new Refusal(REPAIRS_LIMIT, repairing ? REPAIR_INTERVAL_MS
          : REPAIR_INTERVAL_MS - (now - lastRepairAt)).toError("this repair"));
      return null;
    }
    repairing = true;
    lastRepairAt = now;
    stream.pause();
    return placeState(id, request, null, REPAIR_ATTEMPTS)
        .onFailure(failure -> {
          stream.resume();
          error(id, failure);
        })
        .onComplete(done -> repairing = false);
  }

  private Future<Void> placeState(Object id, Repair request, Boolean diverged, int attempts) {
    return bus.call(request).compose(state -> {
      boolean divergence = diverged == null ? state.diverged() : diverged;
      JsonObject frame = new JsonObject().put("type", "state");
      if (id != null) {
        frame.put("id", id);
      }
      frame.mergeIn(state.toJson()).put("diverged", divergence);
      return stream.placeAfter(state.seq(), frame.encode()).compose(placed -> {
        if (placed || this.state == State.CLOSED) {
          stream.resume();
          return Future.succeededFuture();
        }
        if (attempts <= 1) {
          return Future.failedFuture(new LockstepException(ErrorCode.UNAVAILABLE,
              "your log moved on faster than your state could be read; ask again"));
        }
        return placeState(id, new Repair(request.caller(), null), divergence, attempts - 1);
      });
    });
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
      readsStreams = claim.streams();
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
    Delivery delivery = new Delivery();
    stream = new DeliveryStream(delivery, delivery, clock, metrics, deviceId, null, config.catchUpPage(),
        DeliveryStream.MAX_AHEAD_CHARS, batchCatchUp);
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
    welcome
        .put("user_id", userId)
        .put("device_id", deviceId)
        .put("cursor", stored)
        .put("head", head)
        .put("retention_floor", floor)
        .put("reset_required", resetRequired)
        .put("heartbeat_ms", config.heartbeatMs());
    if (readsStreams) {
      welcome.put("streams", Welcome.streamsJson(hello.streams()));
    }
    write(welcome);
    if (readsStreams) {
      streams = new StreamReaders(userId, head, this::openStream, conversationId -> host.stopReading(this, conversationId));
      streams.openAll(hello.streams());
    }
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

  /** Live events of a stream this session reads. */
  void onStreamLive(String conversationId, List<LiveEvent> events) {
    DeliveryStream reader = streams == null ? null : streams.get(conversationId);
    if (reader != null) {
      reader.onLive(events);
    }
  }

  /** A stream's head as the database last saw it. */
  void onStreamHead(String conversationId, long head) {
    DeliveryStream reader = streams == null ? null : streams.get(conversationId);
    if (reader != null) {
      reader.onHead(head);
    }
  }

  /** The streams this session reads, for the node's periodic head check. */
  Set<String> streamIds() {
    return streams == null ? Set.of() : streams.conversationIds();
  }

  /** Starts reading one stream after the given position: its delivery, registered for live events. */
  private DeliveryStream openStream(String conversationId, long position) {
    StreamDelivery delivery = new StreamDelivery(conversationId);
    DeliveryStream reader = new DeliveryStream(delivery, delivery, clock, metrics, deviceId, conversationId,
        config.catchUpPage(), DeliveryStream.MAX_STREAM_AHEAD_CHARS, batchCatchUp);
    host.readStream(this, conversationId);
    return reader;
  }

  /** What every delivery stream of this session writes to: the connection, its queue and its close. */
  private abstract class ConnectionClient implements DeliveryStream.Client {
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
  }

  /** What one stream's delivery reads from the event bus and writes to this connection. */
  private final class StreamDelivery extends ConnectionClient implements DeliveryStream.Source {
    private final String conversationId;

    StreamDelivery(String conversationId) {
      this.conversationId = conversationId;
    }

    @Override
    public Future<DeliveryStream.Page> fetch(long after, int limit) {
      return bus.call(new FetchStream(caller(), conversationId, after, limit)).map(DeviceSession::page);
    }

    /** Behind the stream's retention: the client is told where it continues. */
    @Override
    public Future<DeliveryStream.Snapshot> snapshot() {
      return bus.call(new StreamReset(caller(), conversationId)).map(point -> new DeliveryStream.Snapshot(
          new JsonObject().put("type", "stream_reset").put("stream", conversationId).put("head", point.head()).encode(),
          point.head()));
    }

    /** The user left the stream while it was read: only that stream stops. */
    @Override
    public void failed(Throwable cause) {
      if (LockstepException.of(cause).code() == ErrorCode.NOT_MEMBER) {
        streams.close(conversationId);
      } else {
        failSession(cause);
      }
    }

    @Override
    public void caughtUp() {
    }

    @Override
    public void conversationEvent(String frame) {
    }
  }

  /** What the delivery stream reads from the event bus and writes to this connection. */
  private final class Delivery extends ConnectionClient implements DeliveryStream.Source {

    @Override
    public Future<DeliveryStream.Page> fetch(long after, int limit) {
      return bus.call(new Fetch(caller(), after, limit)).map(DeviceSession::page);
    }

    @Override
    public Future<DeliveryStream.Snapshot> snapshot() {
      return Future.all(bus.call(new Snapshot(caller())), bus.call(new GetSettings(caller(), null))).map(done -> {
        SnapshotReply snapshot = done.resultAt(0);
        if (streams != null) {
          streams.snapshotShowed(streamHeads(snapshot));
        }
        JsonObject frame = new JsonObject().put("type", "snapshot").mergeIn(snapshot.toJson())
            .put("settings", asOfSnapshot(done.<SettingsReply>resultAt(1).toJson(), snapshot.accountSettings()));
        return new DeliveryStream.Snapshot(frame.encode(), snapshot.head());
      });
    }

    @Override
    public void failed(Throwable cause) {
      failSession(cause);
    }

    @Override
    public void caughtUp() {
      if (streams != null) {
        streams.logCaughtUp();
      }
    }

    @Override
    public void conversationEvent(String frame) {
      if (streams != null) {
        streams.conversationEvent(new JsonObject(frame));
      }
    }
  }

  /**
   * The settings with the account values read with the snapshot in place of those read beside it (which
   * may be newer), so that the snapshot agrees with its state_digest.
   */
  private static JsonObject asOfSnapshot(JsonObject settings, JsonObject accountAtHead) {
    return settings.put("account", accountAtHead);
  }

  /** The head of each stream in a snapshot. */
  private static Map<String, Long> streamHeads(SnapshotReply snapshot) {
    Map<String, Long> heads = new HashMap<>();
    for (Object entry : snapshot.conversations()) {
      JsonObject conversation = (JsonObject) entry;
      if (conversation.getBoolean("stream", false)) {
        heads.put(conversation.getString("conversation_id"), conversation.getLong("head"));
      }
    }
    return heads;
  }

  /** A page of the log as the delivery stream reads it. */
  private static DeliveryStream.Page page(Page fetched) {
    List<DeliveryStream.Fetched> events = new ArrayList<>(fetched.seqs().size());
    for (int i = 0; i < fetched.seqs().size(); i++) {
      events.add(new DeliveryStream.Fetched(fetched.seqs().get(i), fetched.kinds().get(i), fetched.frames().get(i)));
    }
    return new DeliveryStream.Page(events, fetched.truncated());
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

  /**
   * A stream ack: answered with an id; without one coalesced per stream, as user-log acks are, but only
   * for the streams this session reads (their number is its user's memberships): any other is served
   * as a tracked request, so acks naming made-up streams count against the requests in flight.
   */
  private Future<?> streamAck(Object id, StreamAck request) {
    if (id != null) {
      return request(id, "acked", request);
    }
    if (streams == null || streams.get(request.conversationId()) == null) {
      return bus.call(request).onFailure(failure -> error(null, failure));
    }
    pendingStreamAcks.merge(request.conversationId(), request.upTo(), Math::max);
    flushStreamAck(request.conversationId());
    return null;
  }

  private void flushStreamAck(String conversationId) {
    if (state == State.CLOSED || streamAcksInFlight.contains(conversationId)) {
      return;
    }
    Long upTo = pendingStreamAcks.remove(conversationId);
    if (upTo == null) {
      return;
    }
    streamAcksInFlight.add(conversationId);
    bus.call(new StreamAck(caller(), conversationId, upTo)).onComplete(done -> {
      streamAcksInFlight.remove(conversationId);
      if (done.failed()) {
        error(null, done.cause());
      }
      flushStreamAck(conversationId);
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
    if (stream != null) {
      stream.close();
    }
    if (streams != null) {
      streams.closeAll();
    }
    reading.close();
    outbound.close();
    if (countedConnection) {
      countedConnection = false;
      limits.closeConnection(userId);
    }
    return host.unregister(this, routed);
  }
}
