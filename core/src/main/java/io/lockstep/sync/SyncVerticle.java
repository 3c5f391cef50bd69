package io.lockstep.sync;

import io.lockstep.config.LockstepConfig;
import io.lockstep.metrics.LockstepMetrics;
import io.lockstep.presence.PresenceRegistry;
import io.lockstep.protocol.ErrorCode;
import io.lockstep.protocol.Events;
import io.lockstep.protocol.Fields;
import io.lockstep.protocol.LockstepException;
import io.lockstep.store.ConversationStore;
import io.lockstep.store.ConversationStore.ConversationChange;
import io.lockstep.store.DeviceStore;
import io.lockstep.store.DeviceStore.Device;
import io.lockstep.store.DeviceStore.DeviceChange;
import io.lockstep.store.LogStore;
import io.lockstep.store.ReadStateStore;
import io.lockstep.store.LogStore.Appended;
import io.lockstep.bus.BusService;
import io.lockstep.bus.Operation;
import io.lockstep.plugin.ServerEvents;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Owns every write to the logs and the reads that catch devices up: sends, acks, conversations,
 * devices, catch-up pages and snapshots, answering on {@code lockstep.sync.<operation>}. It validates
 * each request (so the WebSocket frames and the REST endpoints share one set of rules), replies only
 * after the write committed, and then hands the new events to {@link Delivery}.
 */
public final class SyncVerticle extends VerticleBase {

  private static final int MAX_PAGE = 1000;
  private static final int MAX_TITLE = 256;
  private static final String UNIQUE_VIOLATION = "23505";

  private final LockstepConfig config;
  private final Pool pool;
  private final PresenceRegistry presence;
  private final LockstepMetrics metrics;
  private LogStore log;
  private DeviceStore devices;
  private ConversationStore conversations;
  private Delivery delivery;
  private PageGate pages;

  public SyncVerticle(LockstepConfig config, Pool pool, PresenceRegistry presence, LockstepMetrics metrics) {
    this.config = config;
    this.pool = pool;
    this.presence = presence;
    this.metrics = metrics;
  }

  @Override
  public Future<?> start() {
    log = new LogStore(pool);
    devices = new DeviceStore(pool);
    conversations = new ConversationStore(pool);
    delivery = new Delivery(vertx, presence, metrics);
    int instances = Runtime.getRuntime().availableProcessors();
    pages = new PageGate(Math.max(1, config.pg().poolSize() / (2 * instances)));
    return Future.all(List.of(
        answer(Operation.HELLO, this::hello),
        answer(Operation.SEND, this::send),
        answer(Operation.ACK, this::ack),
        answer(Operation.FETCH, this::fetch),
        answer(Operation.HISTORY, this::history),
        answer(Operation.SNAPSHOT, this::snapshot),
        answer(Operation.CREATE_CONVERSATION, this::createConversation),
        answer(Operation.ADD_MEMBER, this::addMember),
        answer(Operation.REMOVE_MEMBER, this::removeMember),
        answer(Operation.REGISTER_DEVICE, this::registerDevice),
        answer(Operation.LIST_DEVICES, this::listDevices),
        answer(Operation.RENAME_DEVICE, this::renameDevice),
        answer(Operation.REVOKE_DEVICE, this::revokeDevice)));
  }

  private Future<Void> answer(Operation operation, Function<JsonObject, Future<JsonObject>> handler) {
    return BusService.answer(vertx, metrics, operation, handler);
  }

  /**
   * Identifies the device of a connecting client: registers a new one when no device_id is given,
   * otherwise checks that it belongs to the user and is not revoked. A cursor above the user's head
   * is refused before anything is written, so a refused hello leaves no device behind.
   * Answers {device_id, new, cursor, head, floor}.
   */
  private Future<JsonObject> hello(JsonObject request) {
    String userId = request.getString("user_id");
    String deviceId = Fields.optionalId(request, "device_id");
    Long cursor = Fields.optionalCount(request, "cursor");
    if (deviceId == null) {
      String name = optionalText(request, "device_name", 128, "unnamed device");
      String platform = optionalText(request, "platform", 64, "");
      return devices.position(userId).compose(before -> {
        checkCursor(cursor, before.head());
        return devices.register(userId, name, platform);
      }).compose(change -> {
        deliverDeviceChange(change);
        long head = change.appended().get(0).seq();
        return devices.markHello(change.device().deviceId())
            .compose(v -> devices.position(userId))
            .map(position -> helloReply(change.device(), true, head, position.floor()));
      });
    }
    return devices.owned(userId, deviceId).compose(device -> {
      if (device.revoked()) {
        throw new LockstepException(ErrorCode.DEVICE_REVOKED, "device " + deviceId + " was revoked; register a new device");
      }
      return devices.position(userId).compose(position -> {
        checkCursor(cursor, position.head());
        return devices.markHello(deviceId)
            .map(v -> helloReply(device, device.firstHelloAt() == null, position.head(), position.floor()));
      });
    });
  }

  private static void checkCursor(Long cursor, long head) {
    if (cursor != null && cursor > head) {
      throw new LockstepException(ErrorCode.CURSOR_AHEAD, "cursor " + cursor + " is above the head of your log (" + head + ")");
    }
  }

  private static JsonObject helloReply(Device device, boolean isNew, long head, long floor) {
    return new JsonObject().put("device_id", device.deviceId()).put("new", isNew).put("cursor", device.cursor())
        .put("head", head).put("floor", floor);
  }

  private Future<JsonObject> send(JsonObject request) {
    String userId = request.getString("user_id");
    String deviceId = request.getString("device_id");
    String clientMsgId = Fields.requiredId(request, "client_msg_id");
    String conversationId = Fields.requiredId(request, "conversation_id");
    JsonObject body = Fields.requiredObject(request, "body");
    return log.send(userId, deviceId, conversationId, clientMsgId, body)
        .recover(failure -> isUniqueViolation(failure)
            ? log.send(userId, deviceId, conversationId, clientMsgId, body)
            : Future.failedFuture(failure))
        .map(outcome -> switch (outcome.outcome()) {
          case "sent" -> {
            deliverMessage(outcome, conversationId, userId, deviceId, clientMsgId, body);
            yield sentReply(clientMsgId, outcome, false);
          }
          case "duplicate" -> {
            metrics.duplicateSends.increment();
            yield sentReply(clientMsgId, outcome, true);
          }
          case "device_revoked" -> throw new LockstepException(ErrorCode.DEVICE_REVOKED, "device " + deviceId + " was revoked");
          case "not_found" -> throw new LockstepException(ErrorCode.NOT_FOUND, "no conversation " + conversationId);
          case "not_member" -> throw new LockstepException(ErrorCode.NOT_MEMBER,
              "you are not a member of conversation " + conversationId);
          default -> throw new IllegalStateException("unexpected send outcome " + outcome.outcome());
        });
  }

  private static JsonObject sentReply(String clientMsgId, LogStore.SendOutcome outcome, boolean duplicate) {
    return new JsonObject().put("client_msg_id", clientMsgId).put("conversation_id", outcome.conversationId())
        .put("conv_seq", outcome.convSeq()).put("seq", outcome.seq()).put("duplicate", duplicate);
  }

  private void deliverMessage(LogStore.SendOutcome outcome, String conversationId, String senderUser,
                              String senderDevice, String clientMsgId, JsonObject body) {
    String[] members = outcome.members();
    Map<String, List<JsonObject>> events = new HashMap<>(members.length * 2);
    for (int i = 0; i < members.length; i++) {
      JsonObject data = Events.messageData(members[i], conversationId, outcome.convSeq(), senderUser, senderDevice,
          body, clientMsgId);
      events.put(members[i], List.of(Events.event(outcome.memberSeqs()[i], Events.MESSAGE, outcome.ts(), data)));
    }
    metrics.eventsWritten.increment(members.length);
    metrics.messagesSent.increment();
    delivery.deliver(events, null);
    BusService.publishLocally(vertx, ServerEvents.MESSAGE, new JsonObject().put("conversation_id", conversationId)
        .put("conv_seq", outcome.convSeq())
        .put("sender", new JsonObject().put("user_id", senderUser).put("device_id", senderDevice))
        .put("body", body).put("ts", outcome.ts().toInstant().toEpochMilli())
        .put("members", new JsonArray(List.of((Object[]) members)))
        .put("member_seqs", new JsonArray(List.of((Object[]) outcome.memberSeqs()))));
  }

  /** Stores the device cursor; delivered receipts it produces go to the senders' logs. */
  private Future<JsonObject> ack(JsonObject request) {
    long upTo = Fields.requiredCount(request, "up_to");
    return devices.ack(request.getString("user_id"), request.getString("device_id"), upTo)
        .onFailure(failure -> metrics.ackFailures.increment())
        .map(acked -> {
          deliverAppended(acked.events());
          return new JsonObject().put("cursor", acked.cursor());
        });
  }

  /** A page of the user's log after `after`: {seqs, kinds, frames (event frame texts), head, floor, truncated}. */
  private Future<JsonObject> fetch(JsonObject request) {
    long after = Fields.requiredCount(request, "after");
    int limit = pageSize(request);
    return pages.run(() -> log.fetch(request.getString("user_id"), after, limit)).map(page -> new JsonObject()
        .put("seqs", page.seqs())
        .put("kinds", page.kinds())
        .put("frames", page.frames())
        .put("head", page.head())
        .put("floor", page.floor())
        .put("truncated", page.truncated()));
  }

  private Future<JsonObject> history(JsonObject request) {
    String conversationId = Fields.requiredId(request, "conversation_id");
    long after = Fields.requiredCount(request, "after");
    return conversations.history(request.getString("user_id"), conversationId, after, pageSize(request));
  }

  /**
   * The user's conversations and the head they are consistent with, read in one repeatable-read
   * transaction so that live events after head are exactly what the snapshot lacks.
   */
  private Future<JsonObject> snapshot(JsonObject request) {
    String userId = request.getString("user_id");
    return pool.withTransaction(tx -> tx.query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ").execute()
        .compose(v -> tx.preparedQuery("SELECT head FROM users WHERE user_id = $1").execute(Tuple.of(userId)))
        .compose(rows -> {
          long head = rows.size() == 0 ? 0 : rows.iterator().next().getLong("head");
          return conversations.snapshot(tx, userId, config.session().snapshotLastMessages())
              .map(list -> new JsonObject().put("head", head).put("conversations", list)
                  .put("total_unread", totalUnread(list)));
        }));
  }

  private static long totalUnread(JsonArray conversations) {
    long total = 0;
    for (int i = 0; i < conversations.size(); i++) {
      JsonObject conversation = conversations.getJsonObject(i);
      total += ReadStateStore.badgeShare(conversation.getLong("unread"), conversation.getBoolean("marked_unread"));
    }
    return total;
  }

  private Future<JsonObject> createConversation(JsonObject request) {
    String actor = request.getString("user_id");
    String kind = Fields.requiredString(request, "kind");
    if (!kind.equals("direct") && !kind.equals("group")) {
      throw Fields.invalid("kind", "must be \"direct\" or \"group\"");
    }
    JsonArray memberArray = Fields.requiredArray(request, "members");
    Set<String> members = new LinkedHashSet<>();
    for (Object member : memberArray) {
      if (!(member instanceof String id) || id.isEmpty() || id.length() > Fields.MAX_ID_LENGTH) {
        throw Fields.invalid("members", "must be an array of user ids (non-empty strings of at most "
            + Fields.MAX_ID_LENGTH + " characters)");
      }
      members.add(id);
    }
    if (actor != null) {
      members.add(actor);
    }
    if (kind.equals("direct") && members.size() != 2) {
      throw Fields.invalid("members", "a direct conversation has exactly two distinct users");
    }
    if (members.isEmpty()) {
      throw Fields.invalid("members", "must name at least one user");
    }
    if (members.size() > config.maxGroupMembers()) {
      throw Fields.invalid("members", "a conversation has at most " + config.maxGroupMembers() + " members");
    }
    String title = optionalText(request, "title", MAX_TITLE, null);
    return conversations.create(kind, new ArrayList<>(members), title).map(this::conversationResult);
  }

  private Future<JsonObject> addMember(JsonObject request) {
    return conversations.addMember(request.getString("user_id"), Fields.requiredId(request, "conversation_id"),
        Fields.requiredId(request, "member"), config.maxGroupMembers()).map(this::conversationResult);
  }

  private Future<JsonObject> removeMember(JsonObject request) {
    return conversations.removeMember(request.getString("user_id"), Fields.requiredId(request, "conversation_id"),
        Fields.requiredId(request, "member")).map(this::conversationResult);
  }

  private JsonObject conversationResult(ConversationChange change) {
    if (!change.appended().isEmpty()) {
      deliver(change.appended(), Events.CONVERSATION, change.eventData());
    }
    return new JsonObject().put("conversation", change.conversation().toJson());
  }

  private Future<JsonObject> registerDevice(JsonObject request) {
    String userId = request.getString("user_id");
    String name = optionalText(request, "name", 128, "unnamed device");
    String platform = optionalText(request, "platform", 64, "");
    return devices.register(userId, name, platform).map(change -> {
      deliverDeviceChange(change);
      return new JsonObject().put("device", change.device().toJson());
    });
  }

  /** The user's devices, each with online and presence from Redis (online is null when Redis cannot answer). */
  private Future<JsonObject> listDevices(JsonObject request) {
    String userId = request.getString("user_id");
    return devices.list(userId).compose(list -> {
      List<String> ids = list.stream().map(Device::deviceId).toList();
      return presence.presenceOf(userId, ids)
          .map(present -> devicesReply(list, present))
          .recover(failure -> Future.succeededFuture(devicesReply(list, null)));
    });
  }

  private static JsonObject devicesReply(List<Device> list, Map<String, JsonObject> present) {
    JsonArray array = new JsonArray();
    for (Device device : list) {
      JsonObject json = device.toJson();
      JsonObject entry = present == null ? null : present.get(device.deviceId());
      json.put("online", present == null ? null : entry != null);
      json.put("presence", entry);
      array.add(json);
    }
    return new JsonObject().put("devices", array);
  }

  private Future<JsonObject> renameDevice(JsonObject request) {
    String userId = request.getString("user_id");
    String name = optionalText(request, "name", 128, null);
    if (name == null) {
      throw Fields.invalid("name", "is required and must be a non-empty string");
    }
    return devices.rename(userId, Fields.requiredId(request, "device_id"), name).map(change -> {
      deliverDeviceChange(change);
      return new JsonObject().put("device", change.device().toJson());
    });
  }

  private Future<JsonObject> revokeDevice(JsonObject request) {
    String userId = request.getString("user_id");
    return devices.revoke(userId, Fields.requiredId(request, "device_id")).map(change -> {
      deliverDeviceChange(change);
      return new JsonObject().put("device", change.device().toJson().put("revoked", true));
    });
  }

  private void deliverDeviceChange(DeviceChange change) {
    deliver(change.appended(), Events.DEVICE, change.eventData());
    if ("added".equals(change.eventData().getString("action"))) {
      devices.list(change.device().userId()).onSuccess(list -> metrics.devicesPerUser.record(list.size()));
    }
  }

  private void deliver(List<Appended> appended, String kind, JsonObject data) {
    Map<String, List<JsonObject>> events = new HashMap<>();
    for (Appended event : appended) {
      events.put(event.userId(), List.of(Events.event(event.seq(), kind, event.ts(), data)));
    }
    metrics.eventsWritten.increment(appended.size());
    delivery.deliver(events, null);
  }

  /** Delivers events appended by a SQL function, given as [{user_id, seq, ts, kind, data}]. */
  private void deliverAppended(JsonArray appended) {
    if (appended.isEmpty()) {
      return;
    }
    metrics.eventsWritten.increment(appended.size());
    delivery.deliver(Events.byUser(appended), null);
  }

  private static int pageSize(JsonObject request) {
    Long limit = Fields.optionalCount(request, "limit");
    if (limit == null) {
      return 100;
    }
    if (limit < 1 || limit > MAX_PAGE) {
      throw Fields.invalid("limit", "must be between 1 and " + MAX_PAGE);
    }
    return limit.intValue();
  }

  private static String optionalText(JsonObject request, String field, int maxLength, String fallback) {
    String value = Fields.optionalString(request, field);
    if (value == null) {
      return fallback;
    }
    if (value.length() > maxLength) {
      throw Fields.invalid(field, "must be at most " + maxLength + " characters");
    }
    return value;
  }

  private static boolean isUniqueViolation(Throwable failure) {
    return failure instanceof PgException pg && UNIQUE_VIOLATION.equals(pg.getSqlState());
  }
}
