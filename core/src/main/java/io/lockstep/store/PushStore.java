package io.lockstep.store;

import io.vertx.core.Future;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Push tokens and the push outbox: a device's token (one device per token), the pushes waiting for
 * devices that are not connected, and the outcome counters per provider (written once per worker
 * batch, not once per push, so that concurrent workers do not queue on one counter row). The folding of a burst into one
 * pending push and the hand-over of a token run in the SQL functions of R__push_functions.sql.
 */
public final class PushStore {

  private final Pool pool;

  public PushStore(Pool pool) {
    this.pool = pool;
  }

  /** What registering a token did; movedFrom for MOVED. A revoked device's registration fails with {@link Rejected}. */
  public record Registration(TokenOutcome outcome, String movedFrom) {
  }

  /** The outcomes of a token registration, with the names the reply and the metrics use. */
  public enum TokenOutcome {
    REGISTERED, REPLACED, UNCHANGED, MOVED;

    public String wire() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** A device that may get a push (it has a token and, for messages, has not muted the conversation). */
  public record Recipient(String userId, String deviceId) {
  }

  /** The devices a message may be pushed to, and the name its sender shows under. */
  public record MessageRecipients(List<Recipient> devices, String senderName) {
  }

  /**
   * A push a worker took from the outbox, with the device's current token (null when it has none now);
   * read: its message has been read since it was queued; dismiss: the conversations whose notification
   * the device showed and that have been read since (the push tells the device to remove them).
   */
  public record Claimed(long id, String userId, String deviceId, String provider, String kind, String conversationId,
                        Long convSeq, String senderUser, String title, String body, int coalesced, int attempts,
                        OffsetDateTime createdAt, Object token, String tokenProvider, String tokenKey, long badge,
                        boolean read, List<String> dismiss) {

    /** The token still belongs to the device under the provider the push was queued for. */
    public boolean deliverable() {
      return token != null && provider.equals(tokenProvider);
    }
  }

  public Future<Registration> register(String userId, String deviceId, String provider, Object token, String tokenKey) {
    return pool.preparedQuery("SELECT * FROM lockstep_push_register($1, $2, $3, $4::text::jsonb, $5)")
        .execute(Tuple.of(userId, deviceId, provider, Json.encode(token), tokenKey))
        .map(rows -> {
          Row row = rows.iterator().next();
          String outcome = row.getString("outcome");
          if (outcome.equals("revoked")) {
            throw Rejection.DEVICE_REVOKED.of(deviceId);
          }
          return new Registration(TokenOutcome.valueOf(outcome.toUpperCase(Locale.ROOT)),
              row.getString("moved_from"));
        });
  }

  /** Removes the device's token and its pending push; answers whether it had a token. */
  public Future<Boolean> unregister(String userId, String deviceId) {
    return pool.withTransaction(tx -> tx.preparedQuery("""
            UPDATE devices SET push_provider = NULL, push_token = NULL, push_token_key = NULL, push_token_at = NULL
             WHERE device_id = $1 AND user_id = $2 AND push_token IS NOT NULL""")
        .execute(Tuple.of(deviceId, userId))
        .compose(rows -> tx.preparedQuery("DELETE FROM push_outbox WHERE device_id = $1 AND state = 'pending'")
            .execute(Tuple.of(deviceId)).map(deleted -> rows.rowCount() > 0)));
  }

  /**
   * One active device of a recipient: pushable when it has a token and its effective value of the mute
   * key (its own override, else the account's, else the registry default) is not true; lastAttentive is
   * when it was last focused (null if it never said).
   */
  public record UserDevice(String userId, String deviceId, boolean pushable, OffsetDateTime lastAttentive) {
  }

  /**
   * Every active device of the recipients (the push ladder needs the ones that cannot be pushed too:
   * a focused desktop holds back the phone), each user's notifications.routing value where set, and the
   * name the sender shows under.
   */
  public record MessageAudience(Map<String, List<UserDevice>> byUser, Map<String, Object> routing, String senderName) {
  }

  public Future<MessageAudience> messageAudience(Collection<String> users, String sender, String muteKey,
                                                 Object muteDefault) {
    return pool.preparedQuery("""
            SELECT d.user_id, d.device_id, d.last_attentive_at,
                   d.push_token IS NOT NULL AND coalesce(ds.value, acc.value, $4::text::jsonb) IS DISTINCT FROM 'true'::jsonb
                     AS pushable,
                   (SELECT r.value FROM account_settings r WHERE r.user_id = d.user_id AND r.key = 'notifications.routing')
                     AS routing,
                   (SELECT a.value #>> '{}' FROM account_settings a
                     WHERE a.user_id = $3 AND a.key = 'profile.display_name') AS sender_name
              FROM devices d
              LEFT JOIN device_settings ds ON ds.device_id = d.device_id AND ds.key = $2
              LEFT JOIN account_settings acc ON acc.user_id = d.user_id AND acc.key = $2
             WHERE d.user_id = ANY ($1) AND d.revoked_at IS NULL""")
        .execute(Tuple.of(users.toArray(String[]::new), muteKey, sender, Json.encode(muteDefault)))
        .map(rows -> {
          Map<String, List<UserDevice>> byUser = new LinkedHashMap<>();
          Map<String, Object> routing = new HashMap<>();
          String senderName = null;
          for (Row row : rows) {
            String userId = row.getString("user_id");
            byUser.computeIfAbsent(userId, user -> new ArrayList<>()).add(new UserDevice(userId,
                row.getString("device_id"), row.getBoolean("pushable"), row.getOffsetDateTime("last_attentive_at")));
            Object setting = row.getValue("routing");
            if (setting != null && setting != Tuple.JSON_NULL) {
              routing.put(userId, setting);
            }
            senderName = row.getString("sender_name");
          }
          return new MessageAudience(byUser, routing, senderName);
        });
  }

  /**
   * The devices with a token of the members of a stream, other than the sender's, that have not read
   * up to the message and have not muted the conversation (as {@link #messageRecipients}).
   */
  public Future<MessageRecipients> streamRecipients(String conversationId, long convSeq, String sender, String muteKey,
                                                    Object muteDefault) {
    return pool.preparedQuery("""
            SELECT d.user_id, d.device_id,
                   (SELECT a.value #>> '{}' FROM account_settings a
                     WHERE a.user_id = $3 AND a.key = 'profile.display_name') AS sender_name
              FROM conversation_members cm
              JOIN devices d ON d.user_id = cm.user_id
              LEFT JOIN device_settings ds ON ds.device_id = d.device_id AND ds.key = $2
              LEFT JOIN account_settings acc ON acc.user_id = d.user_id AND acc.key = $2
             WHERE cm.conversation_id = $1 AND cm.user_id <> $3 AND cm.read_up_to < $5
               AND d.push_token IS NOT NULL AND d.revoked_at IS NULL
               AND coalesce(ds.value, acc.value, $4::text::jsonb) IS DISTINCT FROM 'true'::jsonb""")
        .execute(Tuple.of(conversationId, muteKey, sender, Json.encode(muteDefault), convSeq))
        .map(PushStore::recipients);
  }

  /** Rows of (user_id, device_id, sender_name) as the devices to push and the sender's display name. */
  private static MessageRecipients recipients(RowSet<Row> rows) {
    List<Recipient> devices = new ArrayList<>(rows.size());
    String senderName = null;
    for (Row row : rows) {
      devices.add(new Recipient(row.getString("user_id"), row.getString("device_id")));
      senderName = row.getString("sender_name");
    }
    return new MessageRecipients(devices, senderName);
  }

  /** The user's devices other than the given one that have a token. */
  public Future<List<Recipient>> otherDevicesWithToken(String userId, String exceptDevice) {
    return pool.preparedQuery("""
            SELECT device_id FROM devices
             WHERE user_id = $1 AND device_id <> $2 AND push_token IS NOT NULL AND revoked_at IS NULL""")
        .execute(Tuple.of(userId, exceptDevice))
        .map(rows -> {
          List<Recipient> devices = new ArrayList<>(rows.size());
          rows.forEach(row -> devices.add(new Recipient(userId, row.getString("device_id"))));
          return devices;
        });
  }

  /**
   * A push to fold into each device's pending one. For a message, {@code userSeqs} holds each recipient's
   * user-log position of it, which decides whether it is newer than the message a pending push shows;
   * a badge update has none.
   */
  public record Push(String kind, String conversationId, Long convSeq, String sender, String title, String body,
                     boolean conversationRead, Map<String, Long> userSeqs) {
  }

  /** Answers how many of the devices' pushes were folded into an existing pending one. */
  public Future<Integer> enqueue(List<Recipient> devices, Push push, Duration delay) {
    String[] deviceIds = new String[devices.size()];
    Long[] seqs = new Long[devices.size()];
    for (int i = 0; i < deviceIds.length; i++) {
      deviceIds[i] = devices.get(i).deviceId();
      seqs[i] = push.userSeqs().get(devices.get(i).userId());
    }
    return pool.preparedQuery("SELECT * FROM lockstep_push_enqueue($1, $2, $3, $4, $5, $6, $7, $8,"
            + " now() + $9 * interval '1 millisecond', $10)")
        .execute(Tuple.of(deviceIds, seqs, push.kind(), push.conversationId(), push.convSeq(), push.sender(),
            push.title(), push.body(), delay.toMillis(), push.conversationRead()))
        .map(rows -> {
          int coalesced = 0;
          for (Row row : rows) {
            if (row.getBoolean("coalesced")) {
              coalesced++;
            }
          }
          return coalesced;
        });
  }

  /**
   * Takes up to {@code limit} due pushes of the given providers (those this node serves) for this worker:
   * they turn 'sending' for the lease, and come with the device's token and the user's badge as they are now.
   */
  public Future<List<Claimed>> claim(Collection<String> providers, int limit, Duration lease) {
    return pool.preparedQuery("""
            WITH due AS (
              SELECT id, device_id FROM push_outbox
               WHERE state = 'pending' AND due_at <= now() AND provider = ANY ($3)
               ORDER BY due_at LIMIT $1 FOR UPDATE SKIP LOCKED)
            UPDATE push_outbox o SET state = 'sending', attempts = o.attempts + 1,
                   due_at = now() + $2 * interval '1 millisecond', updated_at = now()
              FROM due LEFT JOIN devices d ON d.device_id = due.device_id AND d.revoked_at IS NULL
             WHERE o.id = due.id
            RETURNING o.id, o.user_id, o.device_id, o.provider, o.kind, o.conversation_id, o.conv_seq, o.sender_user,
                      o.title, o.body, o.coalesced, o.attempts, o.created_at,
                      d.push_token::text AS token, d.push_provider AS token_provider, d.push_token_key AS token_key,
                      lockstep_total_unread(o.user_id) AS badge,
                      o.kind = 'message' AND EXISTS (
                        SELECT 1 FROM conversation_members cm
                         WHERE cm.conversation_id = o.conversation_id AND cm.user_id = o.user_id
                           AND cm.read_up_to >= o.conv_seq) AS read,
                      ARRAY(SELECT s.conversation_id FROM push_shown s
                              JOIN conversation_members cm ON cm.conversation_id = s.conversation_id AND cm.user_id = o.user_id
                             WHERE s.device_id = o.device_id AND cm.read_up_to >= s.conv_seq
                             ORDER BY s.conversation_id) AS dismiss""")
        .execute(Tuple.of(limit, lease.toMillis(), providers.toArray(String[]::new)))
        .map(rows -> {
          List<Claimed> claimed = new ArrayList<>(rows.size());
          for (Row row : rows) {
            String token = row.getString("token");
            claimed.add(new Claimed(row.getLong("id"), row.getString("user_id"), row.getString("device_id"),
                row.getString("provider"), row.getString("kind"), row.getString("conversation_id"),
                row.getLong("conv_seq"), row.getString("sender_user"), row.getString("title"), row.getString("body"),
                row.getInteger("coalesced"), row.getInteger("attempts"), row.getOffsetDateTime("created_at"),
                token == null ? null : Json.decodeValue(token), row.getString("token_provider"),
                row.getString("token_key"), row.getLong("badge"), row.getBoolean("read"),
                List.of(row.getArrayOfStrings("dismiss"))));
          }
          return claimed;
        });
  }

  /**
   * The last check before a push is handed to its provider: the worker still holds it. A revoke (or an
   * unregister) deletes the device's pushes, those being sent included, in its transaction; after it
   * commits this answers false, so no push is attempted for the device, even one claimed before.
   */
  public Future<Boolean> stillOwed(Claimed push) {
    return pool.preparedQuery("UPDATE push_outbox SET updated_at = now() WHERE id = $1 AND state = 'sending' RETURNING id")
        .execute(Tuple.of(push.id())).map(rows -> rows.size() > 0);
  }

  /**
   * The provider accepted the push: it leaves the outbox; a message's conversation is remembered as shown
   * on the device (a read past it sends a dismiss), and the conversations it dismissed are forgotten.
   */
  public Future<Void> sent(Claimed push) {
    return pool.withTransaction(tx -> tx.preparedQuery("DELETE FROM push_outbox WHERE id = $1").execute(Tuple.of(push.id()))
        .compose(v -> push.dismiss().isEmpty() ? Future.succeededFuture() : tx.preparedQuery("""
                DELETE FROM push_shown s USING conversation_members cm
                 WHERE s.device_id = $1 AND s.conversation_id = ANY ($2)
                   AND cm.conversation_id = s.conversation_id AND cm.user_id = $3 AND cm.read_up_to >= s.conv_seq""")
            .execute(Tuple.of(push.deviceId(), push.dismiss().toArray(String[]::new), push.userId())))
        .compose(v -> !push.kind().equals("message") ? Future.succeededFuture() : tx.preparedQuery("""
                INSERT INTO push_shown (device_id, conversation_id, conv_seq) VALUES ($1, $2, $3)
                ON CONFLICT (device_id, conversation_id) DO UPDATE
                  SET conv_seq = GREATEST(push_shown.conv_seq, EXCLUDED.conv_seq), shown_at = now()""")
            .execute(Tuple.of(push.deviceId(), push.conversationId(), push.convSeq())))
        .mapEmpty());
  }

  /** The push went out, or is not needed any more (the device has no token for it, or is connected now). */
  public Future<Void> drop(Claimed push) {
    return pool.preparedQuery("DELETE FROM push_outbox WHERE id = $1").execute(Tuple.of(push.id())).mapEmpty();
  }

  /** The provider said the token is dead: the push is dropped and the token deleted, unless it changed since. */
  public Future<Boolean> prune(Claimed push) {
    return pool.withTransaction(tx -> tx.preparedQuery("DELETE FROM push_outbox WHERE id = $1").execute(Tuple.of(push.id()))
        .compose(v -> tx.preparedQuery("""
                UPDATE devices SET push_provider = NULL, push_token = NULL, push_token_key = NULL, push_token_at = NULL
                 WHERE device_id = $1 AND push_provider = $2 AND push_token_key = $3""")
            .execute(Tuple.of(push.deviceId(), push.provider(), push.tokenKey())))
        .map(updated -> updated.rowCount() > 0));
  }

  /** Another attempt at {@code delay} from now (or folded into a newer pending push of the device). */
  public Future<Void> retry(Claimed push, Duration delay, String error) {
    return pool.preparedQuery("SELECT lockstep_push_retry($1, now() + $2 * interval '1 millisecond', $3)")
        .execute(Tuple.of(push.id(), delay.toMillis(), error)).mapEmpty();
  }

  /** Given up: the push is kept as dead-lettered, with the reason. */
  public Future<Void> dead(Claimed push, String error) {
    return pool.preparedQuery("UPDATE push_outbox SET state = 'dead', last_error = $2, updated_at = now() WHERE id = $1")
        .execute(Tuple.of(push.id(), error)).mapEmpty();
  }

  /** What a worker's batch came to for one provider, added to its cluster-wide counters in one write. */
  public record Outcomes(long sent, long retried, long failed, long pruned, String lastError) {
  }

  public Future<Void> addOutcomes(Map<String, Outcomes> byProvider) {
    Future<Void> chain = Future.succeededFuture();
    for (Map.Entry<String, Outcomes> entry : new TreeMap<>(byProvider).entrySet()) {
      Outcomes outcomes = entry.getValue();
      chain = chain.compose(v -> pool.preparedQuery("""
              INSERT INTO push_stats AS s (provider, sent, retried, failed, pruned, last_sent_at, last_error, last_error_at)
              VALUES ($1, $2::bigint, $3::bigint, $4::bigint, $5::bigint, CASE WHEN $2::bigint > 0 THEN now() END,
                      $6::text, CASE WHEN $6::text IS NOT NULL THEN now() END)
              ON CONFLICT (provider) DO UPDATE SET
                sent = s.sent + $2, retried = s.retried + $3, failed = s.failed + $4, pruned = s.pruned + $5,
                last_sent_at = coalesce(EXCLUDED.last_sent_at, s.last_sent_at),
                last_error = coalesce(EXCLUDED.last_error, s.last_error),
                last_error_at = coalesce(EXCLUDED.last_error_at, s.last_error_at)""")
          .execute(Tuple.of(entry.getKey(), outcomes.sent(), outcomes.retried(), outcomes.failed(), outcomes.pruned(),
              outcomes.lastError()))
          .mapEmpty());
    }
    return chain;
  }

  /** Pushes held by a worker whose lease ran out (its node stopped) are taken again; answers how many. */
  public Future<Integer> reclaimExpired() {
    return pool.preparedQuery("""
            SELECT count(lockstep_push_retry(id, now(), 'the worker sending it stopped before it answered')) AS reclaimed
              FROM push_outbox WHERE state = 'sending' AND due_at < now()""")
        .execute().map(rows -> rows.iterator().next().getInteger("reclaimed"));
  }

  public Future<Integer> deleteDeadOlderThan(Duration age) {
    return pool.preparedQuery("DELETE FROM push_outbox WHERE state = 'dead' AND updated_at < now() - $1 * interval '1 millisecond'")
        .execute(Tuple.of(age.toMillis())).map(rows -> rows.rowCount());
  }

  /** Pushes waiting (pending or being sent) in the whole cluster. */
  public Future<Long> depth() {
    return pool.query("SELECT count(*) AS depth FROM push_outbox WHERE state IN ('pending', 'sending')").execute()
        .map(rows -> rows.iterator().next().getLong("depth"));
  }

  /** Per provider: the outcome counters, the outbox depth and the dead-lettered pushes kept. */
  public Future<JsonArray> health() {
    return pool.query("""
            WITH depth AS (
              SELECT provider, count(*) FILTER (WHERE state <> 'dead') AS outbox, count(*) FILTER (WHERE state = 'dead') AS dead
                FROM push_outbox GROUP BY provider),
            tokens AS (SELECT push_provider AS provider, count(*) AS tokens FROM devices
                        WHERE push_provider IS NOT NULL GROUP BY push_provider)
            SELECT p.provider, coalesce(s.sent, 0) AS sent, coalesce(s.retried, 0) AS retried,
                   coalesce(s.failed, 0) AS failed, coalesce(s.pruned, 0) AS pruned,
                   coalesce(d.outbox, 0) AS outbox, coalesce(d.dead, 0) AS dead, coalesce(t.tokens, 0) AS tokens,
                   s.last_sent_at, s.last_error, s.last_error_at
              FROM (SELECT provider FROM push_stats UNION SELECT provider FROM depth UNION SELECT provider FROM tokens) p
              LEFT JOIN push_stats s ON s.provider = p.provider
              LEFT JOIN depth d ON d.provider = p.provider
              LEFT JOIN tokens t ON t.provider = p.provider
             ORDER BY p.provider""")
        .execute()
        .map(rows -> {
          JsonArray providers = new JsonArray();
          for (Row row : rows) {
            providers.add(new JsonObject().put("provider", row.getString("provider"))
                .put("sent", row.getLong("sent")).put("retried", row.getLong("retried"))
                .put("failed", row.getLong("failed")).put("pruned", row.getLong("pruned"))
                .put("outbox", row.getLong("outbox")).put("dead", row.getLong("dead"))
                .put("tokens", row.getLong("tokens"))
                .put("last_sent_at", millis(row.getOffsetDateTime("last_sent_at")))
                .put("last_error", row.getString("last_error"))
                .put("last_error_at", millis(row.getOffsetDateTime("last_error_at"))));
          }
          return providers;
        });
  }

  private static Long millis(OffsetDateTime time) {
    return time == null ? null : time.toInstant().toEpochMilli();
  }
}
