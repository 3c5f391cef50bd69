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
 * to the log of every affected user (the members, and the user who joined or left; in a stream, only
 * the user who joined or left and the member who changed it).
 *
 * @implNote Membership changes lock the conversation row first, as sends do, so a send never races
 * a membership change of its conversation.
 */
public final class ConversationStore {

  private final Pool pool;

  public ConversationStore(Pool pool) {
    this.pool = pool;
  }

  /**
   * A conversation as the protocol shows it. A stream (streamFrom set: the first conv_seq that went only
   * to the stream) is shown with its member count instead of its members, which are not loaded.
   */
  public record Conversation(String conversationId, String kind, String title, List<String> members, int memberCount,
                             long head, Long streamFrom) {
    public JsonObject toJson() {
      JsonObject json = new JsonObject()
          .put("conversation_id", conversationId)
          .put("kind", kind)
          .put("title", title);
      if (isStream()) {
        json.put("stream", true).put("stream_from", streamFrom).put("member_count", memberCount);
      } else {
        json.put("members", new JsonArray(new ArrayList<>(members)));
      }
      return json.put("head", head);
    }

    public boolean isStream() {
      return streamFrom != null;
    }

    Conversation with(List<String> newMembers, int newCount, Long newStreamFrom) {
      return new Conversation(conversationId, kind, title, newStreamFrom == null ? newMembers : List.of(), newCount,
          head, newStreamFrom);
    }
  }

  /** A conversation change and the events it appended (empty when nothing changed). */
  public record ConversationChange(Conversation conversation, List<LogStore.Appended> appended, int added) {
    static ConversationChange unchanged(Conversation conversation) {
      return new ConversationChange(conversation, List.of(), 0);
    }
  }

  /** A page of a conversation's members, sorted by user id. */
  public record MemberPage(List<String> members, boolean hasMore, int memberCount) {
  }

  /**
   * Creates a conversation with these members; with more than streamThreshold it is a stream from its
   * first message. A direct conversation is unique per pair: creating it again answers the existing one
   * and appends nothing.
   */
  public Future<ConversationChange> create(String kind, List<String> members, String title, int streamThreshold) {
    List<String> sorted = new ArrayList<>(new TreeSet<>(members));
    String directKey = kind.equals("direct") ? String.join("\n", sorted) : null;
    String conversationId = UUID.randomUUID().toString();
    Long streamFrom = sorted.size() > streamThreshold ? 1L : null;
    return pool.withTransaction(tx -> DeviceStore.ensureAndLockUsers(tx, sorted)
        .compose(v -> tx.preparedQuery("""
                INSERT INTO conversations (conversation_id, kind, title, direct_key, stream_from, member_count)
                VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (direct_key) DO NOTHING RETURNING conversation_id""")
            .execute(Tuple.of(conversationId, kind, title, directKey, streamFrom, sorted.size())))
        .compose(inserted -> {
          if (inserted.size() == 0) {
            return existingDirect(tx, directKey).map(ConversationChange::unchanged);
          }
          return tx.preparedQuery("INSERT INTO conversation_members (conversation_id, user_id, stream_start) "
                  + "SELECT $1, unnest($2::text[]), $3")
              .execute(Tuple.tuple().addString(conversationId).addArrayOfString(sorted.toArray(String[]::new))
                  .addLong(streamFrom == null ? null : 0L))
              .compose(v -> {
                Conversation created = new Conversation(conversationId, kind, title,
                    streamFrom == null ? sorted : List.of(), sorted.size(), 0, streamFrom);
                JsonObject data = new JsonObject().put("action", "created").put("conversation", created.toJson());
                return LogStore.append(tx, sorted, Events.CONVERSATION, data)
                    .map(appended -> new ConversationChange(created, List.of(appended), sorted.size()));
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
   * Adds members to a group. With an actor (a client), the actor must be a member; without one (the
   * server API) any group can be changed. Members already present are left alone. A small group that
   * grows past streamThreshold becomes a stream in the same transaction: its members' devices read it
   * from the next conv_seq on, and each member's log gets a `converted` event; the messages before
   * it are in their logs already, so nothing is lost or repeated across the switch.
   */
  public Future<ConversationChange> addMembers(String actor, String conversationId, List<String> userIds,
                                               int maxMembers, int streamThreshold) {
    return pool.withTransaction(tx -> load(tx, conversationId, true).compose(conversation ->
        checkChangeable(tx, actor, conversation).compose(v -> absent(tx, conversation, userIds)).compose(joining -> {
          if (joining.isEmpty()) {
            return Future.succeededFuture(ConversationChange.unchanged(conversation));
          }
          int count = conversation.memberCount() + joining.size();
          if (count > maxMembers) {
            throw Rejection.GROUP_FULL.of(conversationId, maxMembers);
          }
          if (conversation.isStream()) {
            return joinStream(tx, actor, conversation, joining, count);
          }
          List<String> members = new ArrayList<>(conversation.members());
          members.addAll(joining);
          members.sort(null);
          if (count > streamThreshold) {
            return convert(tx, conversation, members, joining);
          }
          Conversation changed = conversation.with(members, count, null);
          return DeviceStore.ensureAndLockUsers(tx, members)
              .compose(locked -> insertMembers(tx, conversation, joining, null))
              .compose(inserted -> LogStore.append(tx, members, Events.CONVERSATION,
                  joinedData(changed, joining.get(0), joining)))
              .map(appended -> new ConversationChange(changed, List.of(appended), joining.size()));
        })));
  }

  /**
   * A stream's new members: only their own logs (and the actor's) hear of it, each event naming the
   * one member it is for (a list of all of them in each of 10,000 events would be 10,000² ids).
   */
  private static Future<ConversationChange> joinStream(SqlClient tx, String actor, Conversation conversation,
                                                       List<String> joining, int count) {
    Conversation changed = conversation.with(List.of(), count, conversation.streamFrom());
    List<String> told = new ArrayList<>(joining);
    if (actor != null && !told.contains(actor)) {
      told.add(actor);
      told.sort(null);
    }
    return DeviceStore.ensureAndLockUsers(tx, told)
        .compose(locked -> insertMembers(tx, conversation, joining, conversation.head()))
        .compose(inserted -> LogStore.appendEach(tx, told, Events.CONVERSATION, user -> joinedData(changed,
            joining.contains(user) ? user : joining.get(0), List.of())))
        .map(appended -> new ConversationChange(changed, appended, joining.size()));
  }

  /** A small group growing past the threshold becomes a stream from its next message on. */
  private static Future<ConversationChange> convert(SqlClient tx, Conversation conversation, List<String> members,
                                                    List<String> joining) {
    long streamFrom = conversation.head() + 1;
    Conversation changed = conversation.with(List.of(), members.size(), streamFrom);
    return DeviceStore.ensureAndLockUsers(tx, members)
        .compose(locked -> tx.preparedQuery("UPDATE conversation_members SET stream_start = $2 WHERE conversation_id = $1")
            .execute(Tuple.of(conversation.conversationId(), conversation.head())))
        .compose(v -> insertMembers(tx, conversation, joining, conversation.head()))
        .compose(v -> tx.preparedQuery("UPDATE conversations SET stream_from = $2 WHERE conversation_id = $1")
            .execute(Tuple.of(conversation.conversationId(), streamFrom)))
        .compose(v -> tx.preparedQuery("SELECT lockstep_leave_digests($1)").execute(Tuple.of(conversation.conversationId())))
        .compose(v -> LogStore.appendEach(tx, members, Events.CONVERSATION, user -> joining.contains(user)
            ? joinedData(changed, user, List.of())
            : new JsonObject().put("action", "converted").put("conversation", changed.toJson())))
        .map(appended -> new ConversationChange(changed, appended, joining.size()));
  }

  /** A member_added event's data: user_id the member added, and user_ids all of them when several joined at once. */
  private static JsonObject joinedData(Conversation changed, String userId, List<String> joining) {
    JsonObject data = new JsonObject().put("action", "member_added").put("user_id", userId)
        .put("conversation", changed.toJson());
    return joining.size() > 1 ? data.put("user_ids", new JsonArray(new ArrayList<>(joining))) : data;
  }

  private static Future<Void> insertMembers(SqlClient tx, Conversation conversation, List<String> joining,
                                            Long streamStart) {
    return tx.preparedQuery("""
            INSERT INTO conversation_members (conversation_id, user_id, read_up_to, delivered_up_to, stream_start)
            SELECT $1, unnest($2::text[]), $3, $3, $4""")
        .execute(Tuple.tuple().addString(conversation.conversationId())
            .addArrayOfString(joining.toArray(String[]::new)).addLong(conversation.head()).addLong(streamStart))
        .compose(v -> tx.preparedQuery("UPDATE conversations SET member_count = member_count + $2 WHERE conversation_id = $1")
            .execute(Tuple.of(conversation.conversationId(), joining.size())))
        .mapEmpty();
  }

  /** Which of these users are not members yet, sorted and without repeats. */
  private static Future<List<String>> absent(SqlClient tx, Conversation conversation, List<String> userIds) {
    return tx.preparedQuery("""
            SELECT u.user_id FROM unnest($2::text[]) AS u (user_id)
             WHERE NOT EXISTS (SELECT 1 FROM conversation_members m WHERE m.conversation_id = $1 AND m.user_id = u.user_id)
             GROUP BY u.user_id ORDER BY u.user_id""")
        .execute(Tuple.tuple().addString(conversation.conversationId()).addArrayOfString(userIds.toArray(String[]::new)))
        .map(rows -> {
          List<String> ids = new ArrayList<>(rows.size());
          rows.forEach(row -> ids.add(row.getString("user_id")));
          return ids;
        });
  }

  /**
   * Removes a member from a group; the removed user's log gets the event too (in a stream, only the
   * removed user's and the actor's). Removing a non-member changes nothing.
   */
  public Future<ConversationChange> removeMember(String actor, String conversationId, String userId) {
    return pool.withTransaction(tx -> load(tx, conversationId, true).compose(conversation ->
        checkChangeable(tx, actor, conversation).compose(v -> isMember(tx, conversation, userId)).compose(member -> {
          if (!member) {
            return Future.succeededFuture(ConversationChange.unchanged(conversation));
          }
          List<String> remaining = new ArrayList<>(conversation.members());
          remaining.remove(userId);
          Conversation changed = conversation.with(remaining, conversation.memberCount() - 1, conversation.streamFrom());
          JsonObject data = new JsonObject().put("action", "member_removed").put("user_id", userId)
              .put("conversation", changed.toJson());
          List<String> told = conversation.isStream()
              ? new ArrayList<>(new TreeSet<>(actor == null ? List.of(userId) : List.of(userId, actor)))
              : conversation.members();
          // the users told are locked (in user order) before the delete, whose digest trigger writes the
          // removed user's row: every writer takes user rows in that order, so none can deadlock
          return DeviceStore.ensureAndLockUsers(tx, told)
              .compose(locked -> tx.preparedQuery("DELETE FROM conversation_members WHERE conversation_id = $1 AND user_id = $2")
                  .execute(Tuple.of(conversationId, userId)))
              .compose(v -> tx.preparedQuery("""
                      DELETE FROM stream_positions p USING devices d
                       WHERE p.conversation_id = $1 AND d.device_id = p.device_id AND d.user_id = $2""")
                  .execute(Tuple.of(conversationId, userId)))
              .compose(v -> tx.preparedQuery("UPDATE conversations SET member_count = member_count - 1 WHERE conversation_id = $1")
                  .execute(Tuple.of(conversationId)))
              .compose(v -> LogStore.append(tx, told, Events.CONVERSATION, data))
              .map(appended -> new ConversationChange(changed, List.of(appended), 0));
        })));
  }

  /** A page of a member's conversation's members after a user id, sorted. */
  public Future<MemberPage> members(String userId, String conversationId, String after, int limit) {
    return load(pool, conversationId, false).compose(conversation -> isMember(pool, conversation, userId)
        .compose(member -> {
          if (!member) {
            throw Rejection.NOT_MEMBER.of(conversationId);
          }
          return pool.preparedQuery("SELECT user_id FROM conversation_members WHERE conversation_id = $1 AND user_id > $2 "
                  + "ORDER BY user_id LIMIT $3")
              .execute(Tuple.of(conversationId, after == null ? "" : after, limit + 1))
              .map(rows -> {
                List<String> ids = new ArrayList<>(rows.size());
                rows.forEach(row -> ids.add(row.getString("user_id")));
                boolean more = ids.size() > limit;
                return new MemberPage(more ? ids.subList(0, limit) : ids, more, conversation.memberCount());
              });
        }));
  }

  private static Future<Void> checkChangeable(SqlClient client, String actor, Conversation conversation) {
    if (!conversation.kind().equals("group")) {
      throw Rejection.NOT_A_GROUP.of(conversation.conversationId());
    }
    if (actor == null) {
      return Future.succeededFuture();
    }
    return isMember(client, conversation, actor).map(member -> {
      if (!member) {
        throw Rejection.NOT_MEMBER.of(conversation.conversationId());
      }
      return null;
    });
  }

  /** Whether the user is a member: from the loaded list, or for a stream (whose members are not loaded) by a lookup. */
  private static Future<Boolean> isMember(SqlClient client, Conversation conversation, String userId) {
    if (!conversation.isStream()) {
      return Future.succeededFuture(conversation.members().contains(userId));
    }
    return client.preparedQuery("SELECT 1 FROM conversation_members WHERE conversation_id = $1 AND user_id = $2")
        .execute(Tuple.of(conversation.conversationId(), userId)).map(rows -> rows.size() > 0);
  }

  private static Future<Conversation> load(SqlClient client, String conversationId, boolean forUpdate) {
    String sql = "SELECT conversation_id, kind, title, head, stream_from, member_count FROM conversations "
        + "WHERE conversation_id = $1" + (forUpdate ? " FOR UPDATE" : "");
    return client.preparedQuery(sql).execute(Tuple.of(conversationId)).compose(rows -> {
      if (rows.size() == 0) {
        return Future.failedFuture(Rejection.CONVERSATION_NOT_FOUND.of(conversationId));
      }
      Row row = rows.iterator().next();
      Long streamFrom = row.getLong("stream_from");
      Conversation conversation = new Conversation(row.getString("conversation_id"), row.getString("kind"),
          row.getString("title"), List.of(), row.getInteger("member_count"), row.getLong("head"), streamFrom);
      if (streamFrom != null) {
        return Future.succeededFuture(conversation);
      }
      return client.preparedQuery("SELECT user_id FROM conversation_members WHERE conversation_id = $1 ORDER BY user_id")
          .execute(Tuple.of(conversationId))
          .map(members -> {
            List<String> ids = new ArrayList<>(members.size());
            members.forEach(member -> ids.add(member.getString("user_id")));
            return conversation.with(ids, ids.size(), null);
          });
    });
  }

  /**
   * The user's conversations, each with its members, head, read state and last messages (oldest first), for a
   * snapshot; read through the given client so the caller can hold one transaction around it.
   */
  public Future<JsonArray> snapshot(SqlClient client, String userId, int lastMessages) {
    return client.preparedQuery("""
            SELECT c.conversation_id, c.kind, c.title, c.head, c.stream_from, c.member_count, cm.read_up_to,
                   cm.marked_unread,
                   CASE WHEN c.stream_from IS NULL THEN (
                     SELECT array_agg(cm2.user_id ORDER BY cm2.user_id) FROM conversation_members cm2
                      WHERE cm2.conversation_id = c.conversation_id) END AS members,
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
            String[] members = row.getArrayOfStrings("members");
            JsonObject conversation = conversations.computeIfAbsent(id, key -> new Conversation(key,
                row.getString("kind"), row.getString("title"), members == null ? List.of() : List.of(members),
                row.getInteger("member_count"), row.getLong("head"), row.getLong("stream_from")).toJson()
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

  /** A member's page of a conversation's messages after a conv_seq: at most limit, and about LogStore.PAGE_BYTES. */
  public Future<JsonObject> history(String userId, String conversationId, long after, int limit) {
    return load(pool, conversationId, false).compose(conversation -> {
      return isMember(pool, conversation, userId).compose(member -> {
      if (!member) {
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
    });
  }

  /** A message as its event's data (lockstep_message_data, for the reading user) with its time. */
  private static JsonObject messageWithTime(Row row) {
    return new JsonObject(row.getString("data")).put("ts", row.getOffsetDateTime("created_at").toInstant().toEpochMilli());
  }
}
