package io.lockstep.bus;

import io.lockstep.protocol.Fields;
import io.lockstep.store.ConversationStore.Conversation;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Requests and replies of conversations and their members (answered by
 * io.lockstep.sync.ConversationsVerticle). A caller without a user is the server API, which may change
 * any group.
 */
public final class ConversationCalls {

  public static final int MAX_TITLE = 256;
  /** The most members one server API request adds. */
  public static final int MAX_ADDED = 10_000;

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
      Set<String> members = userIds("members", Fields.requiredArray(frame, "members"));
      return new CreateConversation(caller, kind, members, Fields.optionalText(frame, "title", MAX_TITLE, null));
    }

    @Override
    public Operation operation() {
      return Operation.CREATE_CONVERSATION;
    }
  }

  /** Adds members to a group: one from a frame or a path, up to {@link #MAX_ADDED} from a server API body. */
  public record AddMember(Caller caller, String conversationId, List<String> members)
      implements BusRequest<ConversationReply> {
    /** From a frame, where the member is user_id. */
    public static AddMember from(Caller caller, JsonObject frame) {
      return new AddMember(caller, Fields.requiredId(frame, "conversation_id"),
          List.of(Fields.requiredId(frame, "user_id")));
    }

    /** From a server API body {user_ids: [...]}. */
    public static AddMember many(Caller caller, String conversationId, JsonObject body) {
      JsonArray named = Fields.requiredArray(body, "user_ids");
      if (named.isEmpty() || named.size() > MAX_ADDED) {
        throw Fields.invalid("user_ids", "must name 1 to " + MAX_ADDED + " users");
      }
      return new AddMember(caller, conversationId, List.copyOf(userIds("user_ids", named)));
    }

    @Override
    public Operation operation() {
      return Operation.ADD_MEMBER;
    }
  }

  /** A page of a conversation's members after a user id (members only). */
  public record ListMembers(Caller caller, String conversationId, String after, int limit)
      implements BusRequest<MembersReply> {
    @Override
    public Operation operation() {
      return Operation.LIST_MEMBERS;
    }
  }

  public record MembersReply(List<String> members, boolean hasMore, int memberCount) implements BusReply {
    @Override
    public JsonObject toJson() {
      return new JsonObject().put("members", new JsonArray(List.copyOf(members))).put("has_more", hasMore)
          .put("member_count", memberCount);
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

  /** The conversation after the change, and how many members joined by it. */
  public record ConversationReply(Conversation conversation, int added) implements BusReply {
    @Override
    public JsonObject toJson() {
      return new JsonObject().put("conversation", conversation.toJson()).put("added", added);
    }
  }

  /** Distinct user ids in the order named. */
  private static Set<String> userIds(String field, JsonArray named) {
    Set<String> ids = new LinkedHashSet<>();
    for (Object member : named) {
      if (!(member instanceof String id) || id.isEmpty() || id.length() > Fields.MAX_ID_LENGTH) {
        throw Fields.invalid(field, "must be an array of user ids (non-empty strings of at most "
            + Fields.MAX_ID_LENGTH + " characters)");
      }
      ids.add(id);
    }
    return ids;
  }
}
