package io.lockstep.store;

import io.lockstep.protocol.Events;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * The per-user log and the conversation log: appends, sends and catch-up reads.
 *
 * @implNote Seqs are allocated by the SQL functions in R__log_functions.sql, which increment the users'
 * counter rows in the same transaction as the insert; the row lock makes each user's commit order
 * equal its seq order, so a reader that sees seq n can already read every seq below n.
 */
public final class LogStore {

  /**
   * A page of a user's log as ready-made event frames: PostgreSQL builds each frame's JSON text, so
   * catch-up writes them to the socket without parsing or encoding anything (lockstep_event_frame, the
   * one definition of a frame). A message event's data is joined from its message, once: the join that
   * sizes the page also carries what the frames of the events kept are built from. The log is gap-free
   * above the floor (invariant 1), so the page's seqs lie in (after, max(after, floor) + limit]; saying
   * so keeps the read to at most limit events whatever plan the statistics of a freshly written log
   * suggest (a bitmap scan of every later event, then a sort, was seen at 55,000 events behind).
   */
  private static final String FETCH = """
      SELECT u.head, u.floor, e.seq, e.kind,
             lockstep_event_frame(e.seq, e.kind, e.ts, CASE
                 WHEN e.message_conversation IS NULL THEN e.data::text
                 ELSE lockstep_message_data($1, e.message_conversation, e.message_conv_seq, e.sender_user,
                                            e.sender_device, e.body, e.client_msg_id)
               END) AS frame
        FROM users u
        LEFT JOIN LATERAL (
          SELECT sized.* FROM (
            SELECT page.*, sum(page.bytes) OVER (ORDER BY page.seq) - page.bytes AS before
              FROM (
                SELECT ue.seq, ue.kind, ue.ts, ue.data, m.conversation_id AS message_conversation,
                       m.conv_seq AS message_conv_seq, m.sender_user, m.sender_device, m.body, m.client_msg_id,
                       coalesce(m.body_bytes, pg_column_size(ue.data), 0) + 256 AS bytes
                  FROM (SELECT * FROM user_events
                         WHERE user_id = u.user_id AND seq > $2 AND seq <= GREATEST($2, u.floor) + $3
                         ORDER BY seq LIMIT $3) ue
                  LEFT JOIN messages m ON m.conversation_id = ue.conversation_id AND m.conv_seq = ue.conv_seq
              ) page
          ) sized
           WHERE sized.before < $4
        ) e ON true
       WHERE u.user_id = $1
       ORDER BY e.seq""";

  /** A lone send, answered as the batch function answers its first. */
  private static final String SEND_ONE = "SELECT 1 AS ord, s.* FROM lockstep_send($1, $2, $3, $4, $5) s";

  /**
   * Bytes of event frames in one page: a page stops after the event that reaches it (at least one
   * event). Sizes come from messages.body_bytes, so the frames of the events left out are never built.
   */
  public static final int PAGE_BYTES = 256 * 1024;

  private final Pool pool;

  public LogStore(Pool pool) {
    this.pool = pool;
  }

  /**
   * What lockstep_send answered for a send it accepted. For a duplicate, convSeq/seq are the original
   * send's and nothing was appended. A refused send fails with {@link Rejected}.
   */
  public record SendOutcome(boolean duplicate, String conversationId, long convSeq, long seq, Appended own,
                            Appended others, StreamMessage stream) {
    public boolean inStream() {
      return stream != null || duplicate && seq == 0;
    }
  }

  /**
   * A message written once to a stream: its position (conv_seq), time, sender, and the tails of its
   * frame for the sender's user's devices (with client_msg_id) and for everyone else's.
   */
  public record StreamMessage(String conversationId, long seq, long ts, String senderUser, String tailOwn,
                              String tailOther) {
  }

  /**
   * One event appended to the logs of several users: their seqs (in the same order), its time in
   * epoch milliseconds, and the tail of its frame (see io.lockstep.protocol.EventFrames).
   */
  public record Appended(String kind, List<String> users, List<Long> seqs, long ts, String tail) {
    public static final Appended NONE = new Appended(null, List.of(), List.of(), 0, null);

    /** Reads the JSON of lockstep_append_json. */
    public static Appended fromJson(JsonObject json) {
      List<String> users = new ArrayList<>(json.getJsonArray("users").size());
      List<Long> seqs = new ArrayList<>(users.size());
      json.getJsonArray("users").forEach(user -> users.add((String) user));
      json.getJsonArray("seqs").forEach(seq -> seqs.add(((Number) seq).longValue()));
      return new Appended(json.getString("kind"), users, seqs, json.getLong("ts", 0L), json.getString("tail"));
    }
  }

  /**
   * A page of one user's log after some seq: the seqs, kinds and frame texts of its events in
   * ascending seq, with the user's head and retention floor at read time. truncated: the page was
   * cut at {@link #PAGE_BYTES} before its limit of events.
   */
  public record EventPage(List<Long> seqs, List<String> kinds, List<String> frames, long head, long floor,
                          boolean truncated) {
  }

  /** One message to send: who sends it (user and device), its idempotency key and its body. */
  public record SendInput(String userId, String deviceId, String clientMsgId, JsonObject body) {
  }

  /**
   * Sends messages to one conversation in one transaction, in the given order (lockstep_send_batch;
   * a lone send goes to lockstep_send itself, which the batch function would call through one more
   * layer): one commit for all of them, and their conv_seqs and seqs in that order. Each answer is its own
   * outcome, or a failure with the {@link Rejected} that refused it; a database error fails them all
   * (nothing of the batch is written).
   */
  public Future<List<Future<SendOutcome>>> sendBatch(String conversationId, List<SendInput> sends) {
    String[] users = new String[sends.size()];
    String[] devices = new String[sends.size()];
    String[] keys = new String[sends.size()];
    JsonObject[] bodies = new JsonObject[sends.size()];
    for (int i = 0; i < sends.size(); i++) {
      users[i] = sends.get(i).userId();
      devices[i] = sends.get(i).deviceId();
      keys[i] = sends.get(i).clientMsgId();
      bodies[i] = sends.get(i).body();
    }
    Future<RowSet<Row>> written = sends.size() == 1
        ? pool.preparedQuery(SEND_ONE).execute(Tuple.of(users[0], devices[0], conversationId, keys[0], bodies[0]))
        : pool.preparedQuery("SELECT * FROM lockstep_send_batch($1, $2, $3, $4, $5) ORDER BY ord")
            .execute(Tuple.of(users, devices, conversationId, keys, bodies));
    return written.map(rows -> {
      List<Future<SendOutcome>> outcomes = new ArrayList<>(sends.size());
      for (Row row : rows) {
        SendInput send = sends.get(row.getInteger("ord") - 1);
        try {
          outcomes.add(Future.succeededFuture(outcome(row, send.userId(), send.deviceId(), conversationId)));
        } catch (Rejected rejected) {
          outcomes.add(Future.failedFuture(rejected));
        }
      }
      return outcomes;
    });
  }

  private static SendOutcome outcome(Row row, String userId, String deviceId, String conversationId) {
    String outcome = row.getString("outcome");
    if (!outcome.equals("sent") && !outcome.equals("duplicate")) {
      throw Rejection.fromSql(outcome).of(outcome.equals("device_revoked") ? deviceId : conversationId);
    }
    long convSeq = row.getLong("conv_seq");
    long seq = row.getLong("seq");
    if (outcome.equals("duplicate")) {
      return new SendOutcome(true, row.getString("conversation_id"), convSeq, seq, Appended.NONE, Appended.NONE, null);
    }
    long ts = row.getOffsetDateTime("ts").toInstant().toEpochMilli();
    if (row.getBoolean("stream")) {
      return new SendOutcome(false, conversationId, convSeq, 0, Appended.NONE, Appended.NONE, new StreamMessage(
          conversationId, convSeq, ts, userId, row.getString("tail_own"), row.getString("tail_other")));
    }
    String[] members = row.getArrayOfStrings("member_ids");
    Long[] memberSeqs = row.getArrayOfLongs("member_seqs");
    List<String> others = new ArrayList<>(members.length);
    List<Long> otherSeqs = new ArrayList<>(members.length);
    for (int i = 0; i < members.length; i++) {
      if (!members[i].equals(userId)) {
        others.add(members[i]);
        otherSeqs.add(memberSeqs[i]);
      }
    }
    return new SendOutcome(false, row.getString("conversation_id"), convSeq, seq,
        new Appended(Events.MESSAGE, List.of(userId), List.of(seq), ts, row.getString("tail_own")),
        new Appended(Events.MESSAGE, others, otherSeqs, ts, row.getString("tail_other")), null);
  }

  /** Appends the same event to each user's log inside the caller's transaction. */
  public static Future<Appended> append(SqlClient tx, List<String> users, String kind, JsonObject data) {
    return tx.preparedQuery("SELECT lockstep_append_json($1, $2, $3) AS appended")
        .execute(Tuple.of(users.toArray(String[]::new), kind, data))
        .map(rows -> Appended.fromJson((JsonObject) rows.iterator().next().getValue("appended")));
  }

  /** Appends one event to each user's log inside the caller's transaction, each with its own data. */
  public static Future<List<Appended>> appendEach(SqlClient tx, List<String> users, String kind,
                                                  Function<String, JsonObject> dataOf) {
    JsonObject[] data = users.stream().map(dataOf).toArray(JsonObject[]::new);
    return tx.preparedQuery("""
            SELECT lockstep_append_json(ARRAY[t.user_id], $2, t.data) AS appended
              FROM unnest($1::text[], $3::jsonb[]) WITH ORDINALITY AS t (user_id, data, n) ORDER BY t.n""")
        .execute(Tuple.of(users.toArray(String[]::new), kind, data))
        .map(rows -> {
          List<Appended> appended = new ArrayList<>(rows.size());
          rows.forEach(row -> appended.add(Appended.fromJson((JsonObject) row.getValue("appended"))));
          return appended;
        });
  }

  /**
   * Events of one user with seq > after, ascending, at most limit and about {@link #PAGE_BYTES};
   * empty when the user is unknown.
   */
  public Future<EventPage> fetch(String userId, long after, int limit) {
    return pool.preparedQuery(FETCH).execute(Tuple.of(userId, after, limit, PAGE_BYTES)).map(rows -> {
      List<Long> seqs = new ArrayList<>();
      List<String> kinds = new ArrayList<>();
      List<String> frames = new ArrayList<>();
      long head = 0;
      long floor = 0;
      for (Row row : rows) {
        head = row.getLong("head");
        floor = row.getLong("floor");
        Long seq = row.getLong("seq");
        if (seq != null) {
          seqs.add(seq);
          kinds.add(row.getString("kind"));
          frames.add(row.getString("frame"));
        }
      }
      long last = seqs.isEmpty() ? after : seqs.get(seqs.size() - 1);
      return new EventPage(seqs, kinds, frames, head, floor, seqs.size() < limit && last < head);
    });
  }

  /** How many active devices have a cursor below their user's retention floor. */
  public Future<Long> devicesBehindFloor() {
    return pool.query("SELECT count(*) AS behind FROM devices d JOIN users u ON u.user_id = d.user_id "
            + "WHERE d.revoked_at IS NULL AND d.cursor < u.floor").execute()
        .map(rows -> rows.iterator().next().getLong("behind"));
  }

  /** Runs one retention batch; answers how many users had their floor moved. */
  public Future<Integer> prune(long maxEvents, Duration maxAge, int batch) {
    String sql = maxAge.isZero()
        ? "SELECT lockstep_prune($1, NULL, $2) AS moved"
        : "SELECT lockstep_prune($1, make_interval(secs => $3), $2) AS moved";
    Tuple args = maxAge.isZero()
        ? Tuple.of(maxEvents, batch)
        : Tuple.of(maxEvents, batch, maxAge.toMillis() / 1000.0);
    return pool.preparedQuery(sql).execute(args).map(rows -> rows.iterator().next().getInteger("moved"));
  }
}
