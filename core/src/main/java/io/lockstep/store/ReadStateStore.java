package io.lockstep.store;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;

import java.util.List;

/**
 * Account-level read state: read cursors (max wins), the explicit unread flag, unread counts and the
 * badge. The writes run in the SQL functions of R__read_state_functions.sql, which append the read_state
 * event and the receipts in the same transaction.
 */
public final class ReadStateStore {

  /** The digest of a state with nothing in it. */
  public static final String EMPTY_DIGEST = "0000000000000000";

  private final Pool pool;

  public ReadStateStore(Pool pool) {
    this.pool = pool;
  }

  /**
   * What an accepted read or mark_unread did: whether it changed anything; state is
   * {conversation_id, read_up_to, unread, marked_unread, total_unread}; events are the appended
   * [{user_id, seq, ts, kind, data}]. A refused one fails with {@link Rejected}.
   */
  public record Outcome(boolean changed, JsonObject state, JsonArray events) {
  }

  public Future<Outcome> read(String userId, String conversationId, long upTo) {
    return outcome("SELECT * FROM lockstep_read($1, $2, $3)", Tuple.of(userId, conversationId, upTo), conversationId);
  }

  public Future<Outcome> markUnread(String userId, String conversationId) {
    return outcome("SELECT * FROM lockstep_mark_unread($1, $2)", Tuple.of(userId, conversationId), conversationId);
  }

  private Future<Outcome> outcome(String sql, Tuple args, String conversationId) {
    return pool.preparedQuery(sql).execute(args).map(rows -> {
      Row row = rows.iterator().next();
      String outcome = row.getString("outcome");
      JsonObject state = (JsonObject) row.getValue("state");
      if (outcome.equals("beyond_head")) {
        throw Rejection.READ_BEYOND_HEAD.of(conversationId, state.getLong("head"));
      }
      if (!outcome.equals("changed") && !outcome.equals("unchanged")) {
        throw Rejection.fromSql(outcome).of(conversationId);
      }
      JsonArray events = (JsonArray) row.getValue("events");
      return new Outcome(outcome.equals("changed"), state, events == null ? new JsonArray() : events);
    });
  }

  /** The user's conversations with their read state, and the badge: {conversations, total_unread}. */
  public Future<JsonObject> conversations(String userId) {
    return pool.preparedQuery("""
            SELECT c.conversation_id, c.kind, c.title, c.head, c.stream_from, c.member_count, m.read_up_to,
                   m.marked_unread, lockstep_total_unread($1) AS total_unread,
                   CASE WHEN c.stream_from IS NULL THEN (
                     SELECT array_agg(m2.user_id ORDER BY m2.user_id) FROM conversation_members m2
                      WHERE m2.conversation_id = c.conversation_id) END AS members
              FROM conversation_members m JOIN conversations c ON c.conversation_id = m.conversation_id
             WHERE m.user_id = $1
             ORDER BY c.conversation_id""")
        .execute(Tuple.of(userId))
        .map(rows -> {
          JsonArray conversations = new JsonArray();
          long total = 0;
          for (Row row : rows) {
            long unread = row.getLong("head") - row.getLong("read_up_to");
            boolean marked = row.getBoolean("marked_unread");
            total = row.getLong("total_unread");
            String[] members = row.getArrayOfStrings("members");
            conversations.add(new ConversationStore.Conversation(row.getString("conversation_id"), row.getString("kind"),
                row.getString("title"), members == null ? List.of() : List.of(members), row.getInteger("member_count"),
                row.getLong("head"), row.getLong("stream_from")).toJson()
                .put("read_up_to", row.getLong("read_up_to"))
                .put("unread", unread)
                .put("marked_unread", marked));
          }
          return new JsonObject().put("conversations", conversations).put("total_unread", total);
        });
  }

  /**
   * The user's read state of every conversation and their account settings, at one position of their log
   * (seq), with the state digest there: one repeatable-read transaction, so nothing committed after seq
   * is in it and nothing before it is missing.
   */
  public record State(long seq, String digest, JsonArray conversations, JsonObject settings, long totalUnread) {
  }

  public Future<State> state(String userId) {
    return pool.withTransaction(tx -> tx.query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ").execute()
        .compose(v -> tx.preparedQuery("""
                SELECT u.head, lockstep_digest_hex(u.state_digest) AS digest, lockstep_total_unread($1) AS total_unread
                  FROM users u WHERE u.user_id = $1""").execute(Tuple.of(userId)))
        .compose(users -> tx.preparedQuery("""
                SELECT m.conversation_id, m.read_up_to, m.marked_unread, c.head - m.read_up_to AS unread,
                       c.stream_from IS NOT NULL AS stream
                  FROM conversation_members m JOIN conversations c ON c.conversation_id = m.conversation_id
                 WHERE m.user_id = $1 ORDER BY m.conversation_id""").execute(Tuple.of(userId))
            .compose(members -> SettingsStore.accountAll(tx, userId).map(settings -> {
              JsonArray conversations = new JsonArray();
              for (Row row : members) {
                JsonObject conversation = new JsonObject().put("conversation_id", row.getString("conversation_id"))
                    .put("read_up_to", row.getLong("read_up_to")).put("marked_unread", row.getBoolean("marked_unread"))
                    .put("unread", row.getLong("unread"));
                conversations.add(row.getBoolean("stream") ? conversation.put("stream", true) : conversation);
              }
              JsonObject account = new JsonObject();
              settings.forEach((key, value) -> account.put(key, value.toJson()));
              Row user = users.size() == 0 ? null : users.iterator().next();
              return user == null ? new State(0, EMPTY_DIGEST, conversations, account, 0)
                  : new State(user.getLong("head"), user.getString("digest"), conversations, account,
                      user.getLong("total_unread"));
            }))));
  }

  /** Counts a divergence a device reported (the console's sync-health view lists the devices). */
  public Future<Void> divergence(String deviceId) {
    return pool.preparedQuery(
            "UPDATE devices SET divergences = divergences + 1, last_divergence_at = now() WHERE device_id = $1")
        .execute(Tuple.of(deviceId)).mapEmpty();
  }
}
