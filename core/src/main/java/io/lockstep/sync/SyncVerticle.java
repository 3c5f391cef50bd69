package io.lockstep.sync;

import io.lockstep.bus.BusRequest;
import io.lockstep.bus.BusReply;
import io.lockstep.bus.BusService;
import io.lockstep.bus.LogCalls.Ack;
import io.lockstep.bus.LogCalls.Acked;
import io.lockstep.bus.LogCalls.Fetch;
import io.lockstep.bus.LogCalls.FetchStream;
import io.lockstep.bus.LogCalls.StreamAck;
import io.lockstep.bus.LogCalls.StreamAcked;
import io.lockstep.bus.LogCalls.StreamReset;
import io.lockstep.bus.LogCalls.StreamResetPoint;
import io.lockstep.bus.LogCalls.Hello;
import io.lockstep.bus.LogCalls.History;
import io.lockstep.bus.LogCalls.HistoryPage;
import io.lockstep.bus.LogCalls.Page;
import io.lockstep.bus.LogCalls.Send;
import io.lockstep.bus.LogCalls.SendAnswer;
import io.lockstep.bus.LogCalls.SendBatch;
import io.lockstep.bus.LogCalls.SentBatch;
import io.lockstep.bus.LogCalls.Sent;
import io.lockstep.bus.LogCalls.Snapshot;
import io.lockstep.bus.LogCalls.SnapshotReply;
import io.lockstep.bus.LogCalls.Welcome;
import io.lockstep.bus.Operation;
import io.lockstep.bus.Rejections;
import io.lockstep.config.LockstepConfig;
import io.lockstep.metrics.LockstepMetrics;
import io.lockstep.plugin.ServerEvents;
import io.lockstep.presence.PresenceRegistry;
import io.lockstep.protocol.Events;
import io.lockstep.protocol.ErrorCode;
import io.lockstep.protocol.LockstepException;
import io.lockstep.store.ConversationStore;
import io.lockstep.store.DeviceStore;
import io.lockstep.store.DeviceStore.Device;
import io.lockstep.store.LogStore;
import io.lockstep.store.SettingsStore;
import io.lockstep.store.StreamStore;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.Function;

/**
 * Owns the user logs and the streams of large conversations: hello (which device, from where, and its
 * stream positions), sends, acks, catch-up pages of logs and streams, conversation history and
 * snapshots. Replies only after the write committed, then hands the new events to {@link Delivery}.
 * Devices and conversations have verticles of their own.
 */
public final class SyncVerticle extends VerticleBase {

  private final LockstepConfig config;
  private final Pool pool;
  private final SendLanes sends;
  private final PresenceRegistry presence;
  private final LockstepMetrics metrics;
  private LogStore log;
  private StreamStore streams;
  private DeviceStore devices;
  private ConversationStore conversations;
  private Delivery delivery;
  private DeviceChanges deviceChanges;
  private PageGate pages;

  public SyncVerticle(LockstepConfig config, Pool pool, SendLanes sends, PresenceRegistry presence,
                      LockstepMetrics metrics) {
    this.config = config;
    this.pool = pool;
    this.sends = sends;
    this.presence = presence;
    this.metrics = metrics;
  }

  @Override
  public Future<?> start() {
    log = new LogStore(pool);
    streams = new StreamStore(pool);
    devices = new DeviceStore(pool);
    conversations = new ConversationStore(pool);
    delivery = new Delivery(vertx, presence, metrics);
    deviceChanges = new DeviceChanges(delivery, devices, metrics);
    int instances = Runtime.getRuntime().availableProcessors();
    pages = new PageGate(Math.max(1, config.pg().poolSize() / (2 * instances)));
    return Future.all(List.of(
        answer(Operation.HELLO, this::hello),
        answer(Operation.SEND, this::send),
        answer(Operation.SEND_BATCH, this::sendBatch),
        answer(Operation.ACK, this::ack),
        answer(Operation.FETCH, this::fetch),
        answer(Operation.HISTORY, this::history),
        answer(Operation.SNAPSHOT, this::snapshot),
        answer(Operation.FETCH_STREAM, this::fetchStream),
        answer(Operation.STREAM_RESET, this::streamReset),
        answer(Operation.STREAM_ACK, this::streamAck)));
  }

  private <Q extends BusRequest<R>, R extends BusReply> Future<Void> answer(Operation operation,
                                                                            Function<Q, Future<R>> handler) {
    return BusService.answer(vertx, metrics, operation, handler);
  }

  /**
   * Identifies the device of a connecting client: registers a new one when no device_id is given,
   * otherwise checks that it belongs to the user and is not revoked. A cursor above the user's head
   * is refused before anything is written, so a refused hello leaves no device behind.
   */
  private Future<Welcome> hello(Hello request) {
    String userId = request.caller().userId();
    if (request.deviceId() == null) {
      return devices.position(userId).compose(before -> {
        checkCursor(request.cursor(), before.head());
        return devices.register(userId, request.deviceName(), request.platform());
      }).compose(change -> {
        deviceChanges.committed(change);
        long head = change.appended().seqs().get(0);
        return devices.markHello(change.device().deviceId())
            .compose(v -> devices.position(userId))
            .compose(position -> withStreams(request, change.device(), true, head, position.floor()));
      });
    }
    return devices.owned(userId, request.deviceId()).compose(device -> {
      if (device.revoked()) {
        throw new LockstepException(ErrorCode.DEVICE_REVOKED, "device " + device.deviceId()
            + " was revoked; register a new device");
      }
      return devices.position(userId).compose(position -> {
        checkCursor(request.cursor(), position.head());
        return devices.markHello(device.deviceId())
            .compose(v -> withStreams(request, device, device.firstHelloAt() == null, position.head(), position.floor()));
      });
    });
  }

  private static void checkCursor(Long cursor, long head) {
    if (cursor != null && cursor > head) {
      throw new LockstepException(ErrorCode.CURSOR_AHEAD, "cursor " + cursor + " is above the head of your log (" + head + ")");
    }
  }

  /** The welcome, with the device's stream positions when the client reads streams. */
  private Future<Welcome> withStreams(Hello request, Device device, boolean isNew, long head, long floor) {
    Future<List<StreamStore.Position>> positions = request.streams()
        ? streams.positions(request.caller().userId(), device.deviceId())
        : Future.succeededFuture(List.of());
    return positions.map(list -> new Welcome(device.deviceId(), isNew, device.cursor(), head, floor, list));
  }

  private Future<Sent> send(Send request) {
    return sends.send(request.conversationId(), new LogStore.SendInput(request.caller().userId(),
            request.caller().deviceId(), request.clientMsgId(), request.body()))
        .map(outcome -> {
          if (outcome.duplicate()) {
            metrics.duplicateSends.increment();
          } else {
            deliverMessage(request, outcome);
          }
          return new Sent(request.clientMsgId(), outcome.conversationId(), outcome.convSeq(), outcome.seq(),
              outcome.duplicate(), outcome.inStream());
        });
  }

  /** The sends join their lane in order, at once; each is answered on its own. */
  private Future<SentBatch> sendBatch(SendBatch request) {
    List<Future<Sent>> sent = new ArrayList<>(request.sends().size());
    request.sends().forEach(send -> sent.add(send(send)));
    return Future.join(sent).transform(done -> {
      List<SendAnswer> answers = new ArrayList<>(sent.size());
      sent.forEach(each -> answers.add(each.succeeded() ? new SendAnswer(each.result(), null)
          : new SendAnswer(null, Rejections.toError(each.cause()))));
      return Future.succeededFuture(new SentBatch(answers));
    });
  }

  private void deliverMessage(Send request, LogStore.SendOutcome outcome) {
    metrics.messagesSent.increment();
    JsonObject event = new JsonObject()
        .put("conversation_id", request.conversationId())
        .put("conv_seq", outcome.convSeq())
        .put("sender", new JsonObject().put("user_id", request.caller().userId())
            .put("device_id", request.caller().deviceId()))
        .put("body", request.body());
    if (outcome.stream() != null) {
      delivery.deliverStream(outcome.stream());
      BusService.publishLocally(vertx, ServerEvents.MESSAGE, event.put("ts", outcome.stream().ts()).put("stream", true));
      return;
    }
    delivery.deliver(List.of(outcome.own(), outcome.others()), null, null);
    List<Object> members = new ArrayList<>(outcome.own().users());
    members.addAll(outcome.others().users());
    List<Object> memberSeqs = new ArrayList<>(outcome.own().seqs());
    memberSeqs.addAll(outcome.others().seqs());
    BusService.publishLocally(vertx, ServerEvents.MESSAGE, event.put("ts", outcome.own().ts())
        .put("members", new JsonArray(members))
        .put("member_seqs", new JsonArray(memberSeqs)));
  }

  /**
   * Stores the device cursor; delivered receipts it produces go to the senders' logs. A device that
   * has just acked up to the point of its unlink after drain is revoked at once (the sweep would, later).
   */
  private Future<Acked> ack(Ack request) {
    return devices.ack(request.caller().userId(), request.caller().deviceId(), request.upTo())
        .onFailure(failure -> metrics.ackFailures.increment())
        .map(acked -> {
          delivery.deliverRows(acked.events(), null);
          if (acked.drained()) {
            devices.revoke(request.caller().userId(), request.caller().deviceId())
                .onSuccess(change -> {
                  deviceChanges.committed(change);
                  metrics.deviceExpired("drained");
                });
          }
          return new Acked(acked.cursor());
        });
  }

  private Future<Page> fetch(Fetch request) {
    return pages.run(() -> log.fetch(request.caller().userId(), request.after(), request.limit()))
        .map(page -> new Page(page.seqs(), page.kinds(), page.frames(), page.head(), page.floor(), page.truncated()));
  }

  private Future<Page> fetchStream(FetchStream request) {
    return pages.run(() -> streams.fetch(request.caller().userId(), request.conversationId(), request.after(),
            request.limit()))
        .map(page -> new Page(page.seqs(), Collections.nCopies(page.seqs().size(), Events.MESSAGE), page.frames(),
            page.head(), 0, page.truncated()));
  }

  private Future<StreamResetPoint> streamReset(StreamReset request) {
    return streams.resetPoint(request.conversationId()).map(StreamResetPoint::new);
  }

  private Future<StreamAcked> streamAck(StreamAck request) {
    return streams.ack(request.caller().userId(), request.caller().deviceId(), request.conversationId(), request.upTo())
        .map(position -> new StreamAcked(request.conversationId(), position));
  }

  private Future<HistoryPage> history(History request) {
    return conversations.history(request.caller().userId(), request.conversationId(), request.after(), request.limit())
        .map(page -> new HistoryPage(page.getJsonArray("messages"), page.getBoolean("has_more"), page.getLong("head")));
  }

  /**
   * The user's conversations and the head they are consistent with, read in one repeatable-read
   * transaction so that live events after head are exactly what the snapshot lacks.
   */
  private Future<SnapshotReply> snapshot(Snapshot request) {
    String userId = request.caller().userId();
    return pool.withTransaction(tx -> tx.query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ").execute()
        .compose(v -> tx.preparedQuery("SELECT (SELECT head FROM users WHERE user_id = $1) AS head, "
            + "lockstep_total_unread($1) AS total_unread, "
            + "lockstep_digest_hex(coalesce((SELECT state_digest FROM users WHERE user_id = $1), 0)) AS digest")
            .execute(Tuple.of(userId)))
        .compose(rows -> {
          Row row = rows.iterator().next();
          Long head = row.getLong("head");
          return conversations.snapshot(tx, userId, config.session().snapshotLastMessages())
              .compose(list -> SettingsStore.accountAll(tx, userId).map(account -> {
                JsonObject settings = new JsonObject();
                account.forEach((key, value) -> settings.put(key, value.toJson()));
                return new SnapshotReply(head == null ? 0 : head, list, row.getLong("total_unread"),
                    row.getString("digest"), settings);
              }));
        }));
  }
}
