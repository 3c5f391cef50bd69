package io.lockstep.store;

import io.lockstep.protocol.Events;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.UUID;

/**
 * Conversations and their membership. Each membership change is appended, in the same transaction,
 * to the log of every affected user (the members, and the user who joined or left).
 *
 * @implNote Membership changes lock the conversation row first, as sends do, so a send never races
 * a membership change of its conversation.
 */
public final class ConversationStore {

  private final Pool pool;

  public ConversationStore(Pool pool) {
    this.pool = pool;
  }

  /** A conversation as the protocol shows it. */
  public record Conversation(String conversationId, String kind, String title, List<String> members, long head) {
    public JsonObject toJson() {
      return new JsonObject()
          .put("conversation_id", conversationId)
          .put("kind", kind)
          .put("title", title)
          .put("members", new JsonArray(new ArrayList<>(members)))
          .put("head", head);
    }

    public boolean hasMember(String userId) {
      return members.contains(userId);
    }
  }

  /** A conversation change and the events it appended (empty when nothing changed). */
  public record ConversationChange(Conversation conversation, LogStore.Appended appended, JsonObject eventData) {
  }

  /**
   * Creates a conversation with these members. A direct conversation is unique per pair: creating
   * it again answers the existing one and appends nothing.
   */
  public Future<ConversationChange> create(String kind, List<String> members, String title) {
    List<String> sorted = new ArrayList<>(new TreeSet<>(members));
    String directKey = kind.equals("direct") ? String.join("\n", sorted) : null;
    String conversationId = UUID.randomUUID().toString();
    return pool.withTransaction(tx -> DeviceStore.ensureAndLockUsers(tx, sorted)
        .compose(v -> tx.preparedQuery("""
                INSERT INTO conversations (conversation_id, kind, title, direct_key) VALUES ($1, $2, $3, $4)
                ON CONFLICT (direct_key) DO NOTHING RETURNING conversation_id""")
            .execute(Tuple.of(conversationId, kind, title, directKey)))
        .compose(inserted -> {
          if (inserted.size() == 0) {
            return existingDirect(tx, directKey).map(existing -> new ConversationChange(existing, LogStore.Appended.NONE, null));
          }
          return tx.preparedQuery("INSERT INTO conversation_members (conversation_id, user_id) SELECT $1, unnest($2::text[])")
              .execute(Tuple.tuple().addString(conversationId).addArrayOfString(sorted.toArray(String[]::new)))
              .compose(v -> {
                Conversation created = new Conversation(conversationId, kind, title, sorted, 0);
                JsonObject data = new JsonObject().put("action", "created").put("conversation", created.toJson());
                return LogStore.append(tx, sorted, Events.CONVERSATION, data)
                    .map(appended -> new ConversationChange(created, appended, data));
              });
        }));
  }

  private static Future<Conversation> existingDirect(SqlClient tx, String directKey) {
    return tx.preparedQuery("SELECT conversation_id FROM conversations WHERE direct_key = $1")
        .execute(Tuple.of(directKey))
        .compose(rows -> load(tx, rows.iterator().next().getString("conversation_id"), false));
  }

  public Future<Conversation> find(String conversationId) {
    return load(pool, conversationId, false);
  }

  /**
   * Adds a member to a group. With an actor (a client), the actor must be a member; without one (the
   * server API) any group can be changed. Adding a present member changes nothing.
   */
  public Future<ConversationChange> addMember(String actor, String conversationId, String userId, int maxMembers) {
    return pool.withTransaction(tx -> load(tx, conversationId, true).compose(conversation -> {
      checkChangeable(actor, conversation);
      if (conversation.hasMember(userId)) {
        return Future.succeededFuture(new ConversationChange(conversation, LogStore.Appended.NONE, null));
      }
      if (conversation.members().size() >= maxMembers) {
        throw Rejection.GROUP_FULL.of(conversationId, maxMembers);
      }
      List<String> members = new ArrayList<>(conversation.members());
      members.add(userId);
      members.sort(null);
      Conversation changed = new Conversation(conversationId, conversation.kind(), conversation.title(), members,
          conversation.head());
      JsonObject data = new JsonObject().put("action", "member_added").put("user_id", userId)
          .put("conversation", changed.toJson());
      return DeviceStore.ensureAndLockUsers(tx, members)
          .compose(v -> tx.preparedQuery("INSERT INTO conversation_members (conversation_id, user_id, read_up_to, "
                  + "delivered_up_to) VALUES ($1, $2, $3, $3)")
              .execute(Tuple.of(conversationId, userId, conversation.head())))
          .compose(v -> LogStore.append(tx, members, Events.CONVERSATION, data))
          .map(appended -> new ConversationChange(changed, appended, data));
    }));
  }

  /** Removes a member from a group; the removed user's log gets the event too. Removing a non-member changes nothing. */
  public Future<ConversationChange> removeMember(String actor, String conversationId, String userId) {
    return pool.withTransaction(tx -> load(tx, conversationId, true).compose(conversation -> {
      checkChangeable(actor, conversation);
      if (!conversation.hasMember(userId)) {
        return Future.succeededFuture(new ConversationChange(conversation, LogStore.Appended.NONE, null));
      }
      List<String> remaining = new ArrayList<>(conversation.members());
      remaining.remove(userId);
      Conversation changed = new Conversation(conversationId, conversation.kind(), conversation.title(), remaining,
          conversation.head());
      JsonObject data = new JsonObject().put("action", "member_removed").put("user_id", userId)
          .put("conversation", changed.toJson());
      return tx.preparedQuery("DELETE FROM conversation_members WHERE conversation_id = $1 AND user_id = $2")
          .execute(Tuple.of(conversationId, userId))
          .compose(v -> LogStore.append(tx, conversation.members(), Events.CONVERSATION, data))
          .map(appended -> new ConversationChange(changed, appended, data));
    }));
  }

  private static void checkChangeable(String actor, Conversation conversation) {
    if (actor != null && !conversation.hasMember(actor)) {
      throw Rejection.NOT_MEMBER.of(conversation.conversationId());
    }
    if (!conversation.kind().equals("group")) {
      throw Rejection.NOT_A_GROUP.of(conversation.conversationId());
    }
  }

  private static Future<Conversation> load(SqlClient client, String conversationId, boolean forUpdate) {
    String sql = "SELECT conversation_id, kind, title, head FROM conversations WHERE conversation_id = $1"
        + (forUpdate ? " FOR UPDATE" : "");
    return client.preparedQuery(sql).execute(Tuple.of(conversationId)).compose(rows -> {
      if (rows.size() == 0) {
        return Future.failedFuture(Rejection.CONVERSATION_NOT_FOUND.of(conversationId));
      }
      Row row = rows.iterator().next();
      return client.preparedQuery("SELECT user_id FROM conversation_members WHERE conversation_id = $1 ORDER BY user_id")
          .execute(Tuple.of(conversationId))
          .map(members -> {
            List<String> ids = new ArrayList<>(members.size());
            members.forEach(member -> ids.add(member.getString("user_id")));
            return new Conversation(row.getString("conversation_id"), row.getString("kind"), row.getString("title"),
                ids, row.getLong("head"));
          });
    });
  }

  /**
   * The user's conversations, each with its members, head, read state and last messages (oldest first), for a
   * snapshot; read through the given client so the caller can hold one transaction around it.
   */
  public Future<JsonArray> snapshot(SqlClient client, String userId, int lastMessages) {
    return client.preparedQuery("""
            SELECT c.conversation_id, c.kind, c.title, c.head, cm.read_up_to, cm.marked_unread,
                   (SELECT array_agg(cm2.user_id ORDER BY cm2.user_id) FROM conversation_members cm2
                     WHERE cm2.conversation_id = c.conversation_id) AS members,
                   lm.conv_seq, lm.created_at,
                   lockstep_message_data($1, lm.conversation_id, lm.conv_seq, lm.sender_user, lm.sender_device, lm.body,
                                         lm.client_msg_id) AS data
              FROM conversation_members cm
              JOIN conversations c ON c.conversation_id = cm.conversation_id
              LEFT JOIN LATERAL (
                SELECT * FROM messages m WHERE m.conversation_id = c.conversation_id
                 ORDER BY m.conv_seq DESC LIMIT $2
              ) lm ON true
             WHERE cm.user_id = $1
             ORDER BY c.conversation_id, lm.conv_seq""")
        .execute(Tuple.of(userId, lastMessages))
        .map(rows -> {
          Map<String, JsonObject> conversations = new LinkedHashMap<>();
          for (Row row : rows) {
            String id = row.getString("conversation_id");
            JsonObject conversation = conversations.computeIfAbsent(id, key -> new Conversation(key,
                row.getString("kind"), row.getString("title"), List.of(row.getArrayOfStrings("members")),
                row.getLong("head")).toJson()
                .put("read_up_to", row.getLong("read_up_to"))
                .put("unread", row.getLong("head") - row.getLong("read_up_to"))
                .put("marked_unread", row.getBoolean("marked_unread"))
                .put("last_messages", new JsonArray()));
            Long convSeq = row.getLong("conv_seq");
            if (convSeq != null) {
              conversation.getJsonArray("last_messages").add(messageWithTime(row));
            }
          }
          return new JsonArray(new ArrayList<>(conversations.values()));
        });
  }

  /** Messages of a conversation with conv_seq > after, for a member; at most limit, ascending. */
  /** A member's page of a conversation's messages after a conv_seq: at most limit, and about LogStore.PAGE_BYTES. */
  public Future<JsonObject> history(String userId, String conversationId, long after, int limit) {
    return load(pool, conversationId, false).compose(conversation -> {
      if (!conversation.hasMember(userId)) {
        throw Rejection.NOT_MEMBER.of(conversationId);
      }
      return pool.preparedQuery("""
              SELECT m.conv_seq, m.created_at,
                     lockstep_message_data($5, m.conversation_id, m.conv_seq, m.sender_user, m.sender_device, m.body,
                                           m.client_msg_id) AS data FROM (
                SELECT page.conv_seq, sum(page.body_bytes) OVER (ORDER BY page.conv_seq) - page.body_bytes AS before
                  FROM (SELECT conv_seq, body_bytes FROM messages WHERE conversation_id = $1 AND conv_seq > $2
                         ORDER BY conv_seq LIMIT $3) page
              ) sized
              JOIN messages m ON m.conversation_id = $1 AND m.conv_seq = sized.conv_seq
               WHERE sized.before < $4 ORDER BY m.conv_seq""")
          .execute(Tuple.of(conversationId, after, limit + 1, LogStore.PAGE_BYTES, userId))
          .map(rows -> {
            JsonArray messages = new JsonArray();
            for (Row row : rows) {
              if (messages.size() == limit) {
                break;
              }
              messages.add(messageWithTime(row));
            }
            long last = messages.isEmpty() ? after : messages.getJsonObject(messages.size() - 1).getLong("conv_seq");
            return new JsonObject().put("conversation_id", conversationId).put("messages", messages)
                .put("has_more", last < conversation.head()).put("head", conversation.head());
          });
    });
  }

  /** A message as its event's data (lockstep_message_data, for the reading user) with its time. */
  private static JsonObject messageWithTime(Row row) {
    return new JsonObject(row.getString("data")).put("ts", row.getOffsetDateTime("created_at").toInstant().toEpochMilli());
  }
}
