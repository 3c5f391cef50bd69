package io.lockstep.store;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The streams of large conversations as their members' devices read them: each device's position in
 * each of its user's streams, pages of a stream as ready-made event frames, and the device's acks.
 *
 * @implNote A stream is the conversation's own messages from {@code stream_from} on; conv_seqs are
 * allocated under the conversation's row lock, so a stream's commit order is its seq order and a
 * reader that sees conv_seq n can read every lower one, as for a user log. A device without a stored
 * position starts at its member's {@code stream_start} (the head when the user joined the stream or
 * the conversation became one).
 */
public final class StreamStore {

  /** A page of one stream after a conv_seq, frames built by PostgreSQL as for the user log (lockstep_stream_frame). */
  private static final String FETCH = """
      SELECT c.head, m.conv_seq,
             lockstep_stream_frame(c.conversation_id, m.conv_seq, 'message', m.created_at,
                 lockstep_message_data($1, m.conversation_id, m.conv_seq, m.sender_user, m.sender_device, m.body,
                                       m.client_msg_id)) AS frame
        FROM conversations c
        JOIN conversation_members cm ON cm.conversation_id = c.conversation_id AND cm.user_id = $1
        LEFT JOIN LATERAL (
          SELECT sized.conv_seq FROM (
            SELECT page.conv_seq, sum(page.body_bytes + 256) OVER (ORDER BY page.conv_seq) - page.body_bytes - 256 AS before
              FROM (SELECT conv_seq, body_bytes FROM messages
                     WHERE conversation_id = c.conversation_id AND conv_seq > GREATEST($3, c.stream_from - 1)
                     ORDER BY conv_seq LIMIT $4) page
          ) sized WHERE sized.before < $5
        ) p ON true
        LEFT JOIN messages m ON m.conversation_id = c.conversation_id AND m.conv_seq = p.conv_seq
       WHERE c.conversation_id = $2 AND c.stream_from IS NOT NULL
       ORDER BY m.conv_seq""";

  private final Pool pool;

  public StreamStore(Pool pool) {
    this.pool = pool;
  }

  /** A device's position in one of its user's streams, and the stream's head. */
  public record Position(String conversationId, long position, long head) {
  }

  /** Events of a stream in ascending seq (= conv_seq) as frames, with its head; truncated as for LogStore pages. */
  public record StreamPage(List<Long> seqs, List<String> frames, long head, boolean truncated) {
  }

  /** The device's position in every stream its user is a member of. */
  public Future<List<Position>> positions(String userId, String deviceId) {
    return pool.preparedQuery("""
            SELECT c.conversation_id, c.head,
                   GREATEST(coalesce(p.position, cm.stream_start, 0), c.stream_from - 1) AS position
              FROM conversation_members cm
              JOIN conversations c ON c.conversation_id = cm.conversation_id AND c.stream_from IS NOT NULL
              LEFT JOIN stream_positions p ON p.device_id = $2 AND p.conversation_id = c.conversation_id
             WHERE cm.user_id = $1
             ORDER BY c.conversation_id""")
        .execute(Tuple.of(userId, deviceId))
        .map(rows -> {
          List<Position> positions = new ArrayList<>(rows.size());
          for (Row row : rows) {
            positions.add(new Position(row.getString("conversation_id"), row.getLong("position"), row.getLong("head")));
          }
          return positions;
        });
  }

  /**
   * Messages of a stream after a conv_seq, at most limit and about {@link LogStore#PAGE_BYTES}, as the
   * member sees them; fails with NOT_A_STREAM when it is not a stream the user is a member of.
   */
  public Future<StreamPage> fetch(String userId, String conversationId, long after, int limit) {
    return pool.preparedQuery(FETCH).execute(Tuple.of(userId, conversationId, after, limit, LogStore.PAGE_BYTES))
        .map(rows -> {
          if (rows.size() == 0) {
            throw Rejection.NOT_A_STREAM.of(conversationId);
          }
          List<Long> seqs = new ArrayList<>();
          List<String> frames = new ArrayList<>();
          long head = 0;
          for (Row row : rows) {
            head = row.getLong("head");
            Long seq = row.getLong("conv_seq");
            if (seq != null) {
              seqs.add(seq);
              frames.add(row.getString("frame"));
            }
          }
          long last = seqs.isEmpty() ? after : seqs.get(seqs.size() - 1);
          return new StreamPage(seqs, frames, head, seqs.size() < limit && last < head);
        });
  }

  /**
   * Where a device whose position fell behind the stream's retention continues: before the oldest
   * message retained, or at the head when none is.
   */
  public Future<Long> resetPoint(String conversationId) {
    return pool.preparedQuery("""
            SELECT coalesce((SELECT min(m.conv_seq) - 1 FROM messages m
                              WHERE m.conversation_id = c.conversation_id AND m.conv_seq >= c.stream_from), c.head) AS point
              FROM conversations c WHERE c.conversation_id = $1 AND c.stream_from IS NOT NULL""")
        .execute(Tuple.of(conversationId))
        .map(rows -> {
          if (rows.size() == 0) {
            throw Rejection.NOT_A_STREAM.of(conversationId);
          }
          return rows.iterator().next().getLong("point");
        });
  }

  /** Stores the device's position as max(stored, upTo); answers the stored position. */
  public Future<Long> ack(String userId, String deviceId, String conversationId, long upTo) {
    return pool.preparedQuery("SELECT * FROM lockstep_stream_ack($1, $2, $3, $4)")
        .execute(Tuple.of(userId, deviceId, conversationId, upTo))
        .map(rows -> {
          Row row = rows.iterator().next();
          return switch (row.getString("outcome")) {
            case "acked" -> row.getLong("p_position");
            case "not_member" -> throw Rejection.NOT_A_STREAM.of(conversationId);
            case "cursor_ahead" -> throw Rejection.STREAM_ACK_AHEAD.of(conversationId, row.getLong("p_head"));
            default -> throw Rejection.fromSql(row.getString("outcome")).of(deviceId);
          };
        });
  }

  /** The heads of these streams, for sessions that may have missed a live event. */
  public Future<Map<String, Long>> heads(List<String> conversationIds) {
    return pool.preparedQuery("SELECT conversation_id, head FROM conversations WHERE conversation_id = ANY($1)")
        .execute(Tuple.of((Object) conversationIds.toArray(String[]::new)))
        .map(rows -> {
          Map<String, Long> heads = new HashMap<>();
          rows.forEach(row -> heads.put(row.getString("conversation_id"), row.getLong("head")));
          return heads;
        });
  }
}
