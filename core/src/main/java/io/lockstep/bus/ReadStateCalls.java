package io.lockstep.bus;

import io.lockstep.protocol.Fields;
import io.vertx.core.json.JsonObject;

/**
 * Requests and replies of account-level read state (answered by io.lockstep.readstate.ReadStateVerticle).
 * receivedAt is when the device's frame arrived (for the read-to-other-device latency), null over HTTP.
 */
public final class ReadStateCalls {

  private ReadStateCalls() {
  }

  public record Read(Caller caller, String conversationId, long upTo, Long receivedAt) implements BusRequest<ReadState> {
    public static Read from(Caller caller, JsonObject frame, Long receivedAt) {
      return new Read(caller, Fields.requiredId(frame, "conversation_id"), Fields.requiredCount(frame, "up_to"),
          receivedAt);
    }

    @Override
    public Operation operation() {
      return Operation.READ;
    }
  }

  public record MarkUnread(Caller caller, String conversationId, Long receivedAt) implements BusRequest<ReadState> {
    public static MarkUnread from(Caller caller, JsonObject frame, Long receivedAt) {
      return new MarkUnread(caller, Fields.requiredId(frame, "conversation_id"), receivedAt);
    }

    @Override
    public Operation operation() {
      return Operation.MARK_UNREAD;
    }
  }

  /** {conversation_id, read_up_to, unread, marked_unread, total_unread} after the change. */
  public record ReadState(JsonObject state) implements BusReply {
    @Override
    public JsonObject toJson() {
      return state.copy();
    }
  }

  public record ListConversations(Caller caller) implements BusRequest<ConversationStates> {
    @Override
    public Operation operation() {
      return Operation.LIST_CONVERSATIONS;
    }
  }

  /** {conversations: [...with read state], total_unread}. */
  public record ConversationStates(JsonObject list) implements BusReply {
    @Override
    public JsonObject toJson() {
      return list.copy();
    }
  }
}
