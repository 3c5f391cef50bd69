package io.lockstep.bus;

import io.lockstep.protocol.Fields;
import io.lockstep.protocol.LockstepException;
import io.lockstep.store.StreamStore.Position;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.List;

/**
 * Requests and replies of the user log (answered by io.lockstep.sync.SyncVerticle): hello, send, ack,
 * catch-up pages, conversation history and snapshots. Each request reads its fields from a client
 * frame or request body in one place ({@code from}), so WebSocket frames and REST share one set of rules.
 */
public final class LogCalls {

  public static final int DEFAULT_PAGE = 100;
  public static final int MAX_PAGE = 1000;

  private LogCalls() {
  }

  /** A connecting client's device claim: a device id to resume, or none to register a new device. */
  public record Hello(Caller caller, String deviceId, String deviceName, String platform, Long cursor, boolean streams)
      implements BusRequest<Welcome> {
    public static Hello from(Caller caller, JsonObject frame) {
      return new Hello(caller, Fields.optionalId(frame, "device_id"),
          Fields.optionalText(frame, "device_name", 128, "unnamed device"),
          Fields.optionalText(frame, "platform", 64, ""), Fields.optionalCount(frame, "cursor"),
          Fields.optionalBoolean(frame, "streams"));
    }

    /** The same claim, made by the caller its token authenticated. */
    public Hello by(Caller authenticated) {
      return new Hello(authenticated, deviceId, deviceName, platform, cursor, streams);
    }

    @Override
    public Operation operation() {
      return Operation.HELLO;
    }
  }

  /**
   * The identified device, whether it is new (never said hello), its stored cursor, the user's head and
   * floor, and (if the hello asked for streams) its position in each of the user's streams.
   */
  public record Welcome(String deviceId, boolean isNew, long cursor, long head, long floor, List<Position> streams)
      implements BusReply {
    @Override
    public JsonObject toJson() {
      return new JsonObject().put("device_id", deviceId).put("new", isNew).put("cursor", cursor).put("head", head)
          .put("floor", floor).put("streams", streamsJson(streams));
    }

    /** The welcome frame's streams: [{conversation_id, position, head}]. */
    public static JsonArray streamsJson(List<Position> streams) {
      JsonArray json = new JsonArray();
      streams.forEach(stream -> json.add(new JsonObject().put("conversation_id", stream.conversationId())
          .put("position", stream.position()).put("head", stream.head())));
      return json;
    }
  }

  public record Send(Caller caller, String conversationId, String clientMsgId, JsonObject body)
      implements BusRequest<Sent> {
    public static Send from(Caller caller, JsonObject frame) {
      String clientMsgId = Fields.requiredId(frame, "client_msg_id");
      String conversationId = Fields.requiredId(frame, "conversation_id");
      return new Send(caller, conversationId, clientMsgId, Fields.requiredObject(frame, "body"));
    }

    @Override
    public Operation operation() {
      return Operation.SEND;
    }
  }

  /**
   * Consecutive sends of one connection to one conversation, in the order they arrived: they join that
   * conversation's lane together, so they commit in that order and may share a transaction.
   */
  public record SendBatch(Caller caller, List<Send> sends) implements BusRequest<SentBatch> {
    @Override
    public Operation operation() {
      return Operation.SEND_BATCH;
    }
  }

  /** Each send's answer, in the order of the request: its {@link Sent}, or the error that refused it. */
  public record SentBatch(List<SendAnswer> answers) implements BusReply {
    @Override
    public JsonObject toJson() {
      JsonArray json = new JsonArray();
      answers.forEach(answer -> json.add(answer.sent() != null ? answer.sent().toJson() : answer.refused().toJson()));
      return new JsonObject().put("answers", json);
    }
  }

  public record SendAnswer(Sent sent, LockstepException refused) {
  }

  /** A send's answer; a message of a stream has no user-log seq (0) and says stream: true. */
  public record Sent(String clientMsgId, String conversationId, long convSeq, long seq, boolean duplicate,
                     boolean stream) implements BusReply {
    @Override
    public JsonObject toJson() {
      JsonObject json = new JsonObject().put("client_msg_id", clientMsgId).put("conversation_id", conversationId)
          .put("conv_seq", convSeq).put("seq", seq).put("duplicate", duplicate);
      return stream ? json.put("stream", true) : json;
    }
  }

  public record Ack(Caller caller, long upTo) implements BusRequest<Acked> {
    public static Ack from(Caller caller, JsonObject frame) {
      return new Ack(caller, Fields.requiredCount(frame, "up_to"));
    }

    @Override
    public Operation operation() {
      return Operation.ACK;
    }
  }

  public record Acked(long cursor) implements BusReply {
    @Override
    public JsonObject toJson() {
      return new JsonObject().put("cursor", cursor);
    }
  }

  /** The device's position in a stream: ack {stream, up_to}. */
  public record StreamAck(Caller caller, String conversationId, long upTo) implements BusRequest<StreamAcked> {
    public static StreamAck from(Caller caller, JsonObject frame) {
      return new StreamAck(caller, Fields.requiredId(frame, "stream"), Fields.requiredCount(frame, "up_to"));
    }

    @Override
    public Operation operation() {
      return Operation.STREAM_ACK;
    }
  }

  public record StreamAcked(String conversationId, long cursor) implements BusReply {
    @Override
    public JsonObject toJson() {
      return new JsonObject().put("stream", conversationId).put("cursor", cursor);
    }
  }

  /** A page of one of the caller's streams after a conv_seq. */
  public record FetchStream(Caller caller, String conversationId, long after, int limit) implements BusRequest<Page> {
    @Override
    public Operation operation() {
      return Operation.FETCH_STREAM;
    }
  }

  /** Where a device behind a stream's retention continues (the conv_seq before the oldest retained). */
  public record StreamReset(Caller caller, String conversationId) implements BusRequest<StreamResetPoint> {
    @Override
    public Operation operation() {
      return Operation.STREAM_RESET;
    }
  }

  public record StreamResetPoint(long head) implements BusReply {
    @Override
    public JsonObject toJson() {
      return new JsonObject().put("head", head);
    }
  }

  /** A page of the caller's log after a seq. */
  public record Fetch(Caller caller, long after, int limit) implements BusRequest<Page> {
    @Override
    public Operation operation() {
      return Operation.FETCH;
    }
  }

  /**
   * Events of the log in ascending seq, as ready-made frame texts, with the head and retention floor
   * at read time. truncated: the page was cut by its byte budget before its limit of events.
   */
  public record Page(List<Long> seqs, List<String> kinds, List<String> frames, long head, long floor,
                     boolean truncated) implements BusReply {
    public long lastSeq(long otherwise) {
      return seqs.isEmpty() ? otherwise : seqs.get(seqs.size() - 1);
    }

    @Override
    public JsonObject toJson() {
      return new JsonObject().put("seqs", new JsonArray(List.copyOf(seqs))).put("kinds", new JsonArray(List.copyOf(kinds)))
          .put("frames", new JsonArray(List.copyOf(frames))).put("head", head).put("floor", floor)
          .put("truncated", truncated);
    }
  }

  /** A member's page of one conversation's messages after a conv_seq. */
  public record History(Caller caller, String conversationId, long after, int limit) implements BusRequest<HistoryPage> {
    @Override
    public Operation operation() {
      return Operation.HISTORY;
    }
  }

  public record HistoryPage(JsonArray messages, boolean hasMore, long head) implements BusReply {
    @Override
    public JsonObject toJson() {
      return new JsonObject().put("messages", messages).put("has_more", hasMore).put("head", head);
    }
  }

  /** The caller's conversations and the head they are consistent with. */
  public record Snapshot(Caller caller) implements BusRequest<SnapshotReply> {
    @Override
    public Operation operation() {
      return Operation.SNAPSHOT;
    }
  }

  /**
   * The conversations, the badge, the state digest and the account settings (key → stored value), all
   * as of head.
   */
  public record SnapshotReply(long head, JsonArray conversations, long totalUnread, String stateDigest,
                              JsonObject accountSettings) implements BusReply {
    @Override
    public JsonObject toJson() {
      return new JsonObject().put("head", head).put("conversations", conversations).put("total_unread", totalUnread)
          .put("state_digest", stateDigest);
    }
  }
}
