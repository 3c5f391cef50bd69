package io.lockstep.bus;

import io.lockstep.protocol.Fields;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.regex.Pattern;

/**
 * Requests and replies of account-level read state (answered by io.lockstep.readstate.ReadStateVerticle).
 * receivedAt is when the device's frame arrived (for the read-to-other-device latency), null over HTTP.
 */
public final class ReadStateCalls {

  /** A state digest as it travels: 16 lowercase hex digits of an unsigned 64-bit sum. */
  private static final Pattern DIGEST = Pattern.compile("[0-9a-f]{16}");

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

  /**
   * A device asks for the whole of its user's read state and account settings, because its digest of
   * them (digest, 16 hex digits; null when it did not say) disagreed with a stamped event.
   */
  public record Repair(Caller caller, String digest) implements BusRequest<StateReply> {
    public static Repair from(Caller caller, JsonObject frame) {
      String digest = Fields.optionalString(frame, "digest");
      if (digest != null && !DIGEST.matcher(digest).matches()) {
        throw Fields.invalid("digest", "must be 16 lowercase hexadecimal digits");
      }
      return new Repair(caller, digest);
    }

    @Override
    public Operation operation() {
      return Operation.REPAIR;
    }
  }

  /**
   * The user's read state and account settings at log position seq, with their digest; diverged when
   * the device's digest was given and differs from it.
   */
  public record StateReply(long seq, String stateDigest, JsonArray conversations, JsonObject settings,
                           long totalUnread, boolean diverged) implements BusReply {
    @Override
    public JsonObject toJson() {
      return new JsonObject().put("seq", seq).put("state_digest", stateDigest).put("conversations", conversations.copy())
          .put("settings", settings.copy()).put("total_unread", totalUnread).put("diverged", diverged);
    }
  }
}
