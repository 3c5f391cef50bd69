package io.lockstep.bus;

import io.lockstep.protocol.Fields;
import io.lockstep.store.ConversationStore.Conversation;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.LinkedHashSet;
import java.util.Set;

/**
 * Requests and replies of conversations and their members (answered by
 * io.lockstep.sync.ConversationsVerticle). A caller without a user is the server API, which may change
 * any group.
 */
public final class ConversationCalls {

  public static final int MAX_TITLE = 256;

  private ConversationCalls() {
  }

  /** Members are distinct user ids in the order named; the caller's user is added by the verticle. */
  public record CreateConversation(Caller caller, String kind, Set<String> members, String title)
      implements BusRequest<ConversationReply> {
    public static CreateConversation from(Caller caller, JsonObject frame) {
      String kind = Fields.requiredString(frame, "kind");
      if (!kind.equals("direct") && !kind.equals("group")) {
        throw Fields.invalid("kind", "must be \"direct\" or \"group\"");
      }
      JsonArray named = Fields.requiredArray(frame, "members");
      Set<String> members = new LinkedHashSet<>();
      for (Object member : named) {
        if (!(member instanceof String id) || id.isEmpty() || id.length() > Fields.MAX_ID_LENGTH) {
          throw Fields.invalid("members", "must be an array of user ids (non-empty strings of at most "
              + Fields.MAX_ID_LENGTH + " characters)");
        }
        members.add(id);
      }
      return new CreateConversation(caller, kind, members, Fields.optionalText(frame, "title", MAX_TITLE, null));
    }

    @Override
    public Operation operation() {
      return Operation.CREATE_CONVERSATION;
    }
  }

  public record AddMember(Caller caller, String conversationId, String member) implements BusRequest<ConversationReply> {
    /** From a frame, where the member is user_id, or from a path's two ids. */
    public static AddMember from(Caller caller, JsonObject frame) {
      return new AddMember(caller, Fields.requiredId(frame, "conversation_id"), Fields.requiredId(frame, "user_id"));
    }

    @Override
    public Operation operation() {
      return Operation.ADD_MEMBER;
    }
  }

  public record RemoveMember(Caller caller, String conversationId, String member)
      implements BusRequest<ConversationReply> {
    public static RemoveMember from(Caller caller, JsonObject frame) {
      return new RemoveMember(caller, Fields.requiredId(frame, "conversation_id"), Fields.requiredId(frame, "user_id"));
    }

    @Override
    public Operation operation() {
      return Operation.REMOVE_MEMBER;
    }
  }

  public record ConversationReply(Conversation conversation) implements BusReply {
    @Override
    public JsonObject toJson() {
      return new JsonObject().put("conversation", conversation.toJson());
    }
  }
}
