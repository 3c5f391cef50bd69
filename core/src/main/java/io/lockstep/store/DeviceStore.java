package io.lockstep.store;

import io.lockstep.protocol.Events;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Accounts and their devices: registration, listing, renaming, revocation and device cursors.
 * Every device change is appended to the owner's log in the same transaction, so the user's other
 * devices see it live or on their next sync.
 */
public final class DeviceStore {

  /** How stale a connected device's last_seen_at may grow before the heartbeat stamps it again. */
  public static final Duration SEEN_RESOLUTION = Duration.ofMinutes(1);

  private static final String DEVICE_COLUMNS =
      "device_id, user_id, name, platform, cursor, duplicate_sends, created_at, last_seen_at, first_hello_at, revoked_at,"
      + " push_provider, push_token_at, attention, attention_at, last_attentive_at, last_ack_at, drain_up_to,"
      + " drain_deadline, divergences, last_divergence_at";

  private final Pool pool;

  public DeviceStore(Pool pool) {
    this.pool = pool;
  }

  /** A device row. */
  public record Device(String deviceId, String userId, String name, String platform, long cursor,
                       long duplicateSends, OffsetDateTime createdAt, OffsetDateTime lastSeenAt,
                       OffsetDateTime firstHelloAt, OffsetDateTime revokedAt, String pushProvider,
                       OffsetDateTime pushTokenAt, Lifecycle lifecycle) {

    public boolean revoked() {
      return revokedAt != null;
    }

    /** The device as `device` events show it to the user's other devices. */
    public JsonObject toEventJson() {
      return new JsonObject()
          .put("device_id", deviceId)
          .put("name", name)
          .put("platform", platform)
          .put("created", createdAt.toInstant().toEpochMilli());
    }

    /** The device as the device list shows it (no online flag: presence lives in Redis). */
    public JsonObject toJson() {
      return new JsonObject()
          .put("device_id", deviceId)
          .put("name", name)
          .put("platform", platform)
          .put("created", createdAt.toInstant().toEpochMilli())
          .put("last_seen", lastSeenAt == null ? null : lastSeenAt.toInstant().toEpochMilli())
          .put("cursor", cursor)
          .put("push", pushJson())
          .mergeIn(lifecycle.toJson());
    }

    /** The device's push registration without the token itself: {provider, registered, token_age_seconds}. */
    public JsonObject pushJson() {
      if (pushProvider == null) {
        return null;
      }
      return new JsonObject().put("provider", pushProvider)
          .put("registered", pushTokenAt.toInstant().toEpochMilli())
          .put("token_age_seconds", Math.max(0, Duration.between(pushTokenAt.toInstant(), Instant.now()).toSeconds()));
    }
  }

  /** A device change together with the events it appended to the owner's log. */
  public record DeviceChange(Device device, LogStore.Appended appended, JsonObject eventData) {
  }

  /** The user's head and retention floor. */
  public record LogPosition(long head, long floor) {
  }

  /** The heads of these users' logs. */
  public Future<Map<String, Long>> heads(List<String> userIds) {
    return pool.preparedQuery("SELECT user_id, head FROM users WHERE user_id = ANY($1)")
        .execute(Tuple.of((Object) userIds.toArray(String[]::new)))
        .map(rows -> {
          Map<String, Long> heads = new HashMap<>();
          rows.forEach(row -> heads.put(row.getString("user_id"), row.getLong("head")));
          return heads;
        });
  }

  /**
   * Accounts come into being on first use of a user id. Then the users' counter rows are locked, in
   * user order, before the transaction inserts rows that reference them: a foreign-key insert takes a
   * share lock on the user row, and upgrading it to the counter's update lock later would deadlock
   * against a concurrent transaction doing the same.
   */
  public static Future<Void> ensureAndLockUsers(SqlClient client, List<String> userIds) {
    Tuple users = Tuple.of((Object) userIds.toArray(String[]::new));
    return client.preparedQuery("INSERT INTO users (user_id) SELECT unnest($1::text[]) ON CONFLICT DO NOTHING")
        .execute(users)
        .compose(v -> client.preparedQuery("SELECT lockstep_lock_users($1)").execute(users))
        .mapEmpty();
  }

  public Future<LogPosition> position(String userId) {
    return pool.preparedQuery("SELECT head, floor FROM users WHERE user_id = $1").execute(Tuple.of(userId))
        .map(rows -> rows.size() == 0
            ? new LogPosition(0, 0)
            : new LogPosition(rows.iterator().next().getLong("head"), rows.iterator().next().getLong("floor")));
  }

  /** Registers a new device; its cursor starts at the user's head, after its own `device added` event. */
  public Future<DeviceChange> register(String userId, String name, String platform) {
    String deviceId = UUID.randomUUID().toString();
    return pool.withTransaction(tx -> ensureAndLockUsers(tx, List.of(userId))
        .compose(v -> tx.preparedQuery("INSERT INTO devices (device_id, user_id, name, platform) VALUES ($1, $2, $3, $4) RETURNING "
                + DEVICE_COLUMNS)
            .execute(Tuple.of(deviceId, userId, name, platform)))
        .compose(rows -> {
          Device device = toDevice(rows.iterator().next());
          JsonObject data = new JsonObject().put("action", "added").put("device", device.toEventJson());
          return LogStore.append(tx, List.of(userId), Events.DEVICE, data)
              .compose(appended -> tx.preparedQuery("UPDATE devices SET cursor = $2 WHERE device_id = $1 RETURNING "
                      + DEVICE_COLUMNS)
                  .execute(Tuple.of(deviceId, appended.seqs().get(0)))
                  .map(updated -> new DeviceChange(toDevice(updated.iterator().next()), appended, data)));
        }));
  }

  public Future<Device> find(String deviceId) {
    return pool.preparedQuery("SELECT " + DEVICE_COLUMNS + " FROM devices WHERE device_id = $1")
        .execute(Tuple.of(deviceId))
        .map(rows -> rows.size() == 0 ? null : toDevice(rows.iterator().next()));
  }

  /** The device of this user, or the stable error saying why it cannot be used. */
  public Future<Device> owned(String userId, String deviceId) {
    return find(deviceId).map(device -> {
      if (device == null) {
        throw Rejection.DEVICE_UNKNOWN.of(deviceId);
      }
      if (!device.userId().equals(userId)) {
        throw Rejection.DEVICE_NOT_OWNED.of(deviceId);
      }
      return device;
    });
  }

  public Future<List<Device>> list(String userId) {
    return pool.preparedQuery("SELECT " + DEVICE_COLUMNS
            + " FROM devices WHERE user_id = $1 AND revoked_at IS NULL ORDER BY created_at, device_id")
        .execute(Tuple.of(userId))
        .map(DeviceStore::toDevices);
  }

  /** Marks the device seen now; the first hello is remembered (it decides snapshot versus backlog). */
  public Future<Void> markHello(String deviceId) {
    return pool.preparedQuery("UPDATE devices SET last_seen_at = now(), first_hello_at = coalesce(first_hello_at, now()) WHERE device_id = $1")
        .execute(Tuple.of(deviceId)).mapEmpty();
  }

  /** Marks the devices seen now, a thousand rows per statement so no statement holds many row locks for long. */
  /**
   * Records what the device said of its user's attention (null: a focused connection closed, the
   * declared state stays). The device counts as attentive (last_attentive_at) whenever it enters or
   * leaves focus, so the push ladder can tell which device was looked at last.
   */
  public Future<Void> markAttention(String deviceId, String attention, String previous) {
    boolean attentive = "focused".equals(attention) || "focused".equals(previous);
    return pool.preparedQuery("""
            UPDATE devices SET attention = coalesce($2, attention), attention_at = CASE WHEN $2 IS NULL THEN attention_at ELSE now() END,
                   last_attentive_at = CASE WHEN $3 THEN now() ELSE last_attentive_at END
             WHERE device_id = $1""")
        .execute(Tuple.of(deviceId, attention, attentive)).mapEmpty();
  }

  /** Stamps the devices' last_seen_at now (a connection closing). */
  public Future<Void> markSeen(List<String> deviceIds) {
    return inSlices(deviceIds, "UPDATE devices SET last_seen_at = now() WHERE device_id = ANY($1)");
  }

  /**
   * The heartbeat's stamp of connected devices: only those last stamped more than
   * {@link #SEEN_RESOLUTION} ago. Connected devices are known from presence to the second; their row
   * needs only what the idle sweep relies on. Rewriting every connected device's row on every heartbeat
   * made each connection a steady writer (a new row version each time, its indexes updated with it,
   * since last_seen_at is indexed).
   */
  public Future<Void> refreshSeen(List<String> deviceIds) {
    return inSlices(deviceIds, "UPDATE devices SET last_seen_at = now() WHERE device_id = ANY($1)"
        + " AND (last_seen_at IS NULL OR last_seen_at < now() - interval '" + SEEN_RESOLUTION.toSeconds() + " seconds')");
  }

  private Future<Void> inSlices(List<String> deviceIds, String sql) {
    Future<Void> chain = Future.succeededFuture();
    for (int from = 0; from < deviceIds.size(); from += 1000) {
      String[] slice = deviceIds.subList(from, Math.min(deviceIds.size(), from + 1000)).toArray(String[]::new);
      chain = chain.compose(v -> pool.preparedQuery(sql).execute(Tuple.of((Object) slice)).mapEmpty());
    }
    return chain;
  }

  public Future<DeviceChange> rename(String userId, String deviceId, String name) {
    return changeOwned(userId, deviceId, "renamed",
        "UPDATE devices SET name = $2 WHERE device_id = $1 RETURNING " + DEVICE_COLUMNS, Tuple.of(deviceId, name));
  }

  /**
   * Revokes the device in one transaction: it is marked revoked (its cursor frozen: acks are refused),
   * its token and every push waiting or being sent to it are deleted, with what it showed, and the
   * `revoked` event is appended.
   */
  public Future<DeviceChange> revoke(String userId, String deviceId) {
    return changeOwned(userId, deviceId, "revoked", """
        WITH outbox AS (DELETE FROM push_outbox WHERE device_id = $1 AND state IN ('pending', 'sending')),
             shown AS (DELETE FROM push_shown WHERE device_id = $1)
        UPDATE devices SET revoked_at = now(), push_provider = NULL, push_token = NULL, push_token_key = NULL,
               push_token_at = NULL, drain_up_to = NULL, drain_deadline = NULL
         WHERE device_id = $1 RETURNING\s""" + DEVICE_COLUMNS, Tuple.of(deviceId));
  }

  /**
   * Unlink after drain: the device is to be revoked once its cursor reaches the user's head as it is now
   * (or at the deadline). Answers the device with its drain; one whose cursor is there already is
   * revoked at once (the change is then present).
   */
  public record Drain(Device device, DeviceChange revoked) {
  }

  public Future<Drain> drain(String userId, String deviceId, Duration timeout) {
    return owned(userId, deviceId).compose(device -> {
      if (device.revoked()) {
        return Future.failedFuture(Rejection.DEVICE_NOT_FOUND.of(deviceId));
      }
      return pool.preparedQuery("""
              UPDATE devices d SET drain_up_to = u.head, drain_deadline = now() + $3 * interval '1 millisecond'
                FROM users u
               WHERE d.device_id = $1 AND d.user_id = $2 AND d.revoked_at IS NULL AND u.user_id = d.user_id
              RETURNING d.cursor >= d.drain_up_to AS drained""")
          .execute(Tuple.of(deviceId, userId, timeout.toMillis()))
          .compose(rows -> {
            if (rows.size() == 0) {
              return Future.failedFuture(Rejection.DEVICE_NOT_FOUND.of(deviceId));
            }
            if (rows.iterator().next().getBoolean("drained")) {
              return revoke(userId, deviceId).map(change -> new Drain(change.device(), change));
            }
            return find(deviceId).map(draining -> new Drain(draining, null));
          });
    });
  }

  /** A device the sweep revokes, and why. */
  public record Expired(String userId, String deviceId, String reason) {
  }

  /**
   * Devices due for revocation: drained (acked up to the head of their unlink request), past their drain
   * deadline, or without a hello for maxIdle (zero: never). At most limit.
   */
  public Future<List<Expired>> expired(Duration maxIdle, int limit) {
    return pool.preparedQuery("""
            SELECT user_id, device_id,
                   CASE WHEN cursor >= drain_up_to THEN 'drained' ELSE 'drain_deadline' END AS reason
              FROM devices
             WHERE drain_up_to IS NOT NULL AND revoked_at IS NULL AND (cursor >= drain_up_to OR drain_deadline <= now())
            UNION ALL
            SELECT user_id, device_id, 'idle' FROM devices
             WHERE $1::bigint > 0 AND revoked_at IS NULL
               AND greatest(last_seen_at, created_at) < now() - $1::bigint * interval '1 millisecond'
               AND (drain_up_to IS NULL OR NOT (cursor >= drain_up_to OR drain_deadline <= now()))
             ORDER BY device_id LIMIT $2""")
        .execute(Tuple.of(maxIdle.toMillis(), limit))
        .map(rows -> {
          List<Expired> expired = new ArrayList<>(rows.size());
          rows.forEach(row -> expired.add(new Expired(row.getString("user_id"), row.getString("device_id"),
              row.getString("reason"))));
          return expired;
        });
  }

  /**
   * Drops push tokens not registered again for maxAge (zero: never), with the pushes waiting for them;
   * answers the providers of the tokens dropped.
   */
  public Future<List<String>> dropStaleTokens(Duration maxAge) {
    if (maxAge.isZero()) {
      return Future.succeededFuture(List.of());
    }
    return pool.withTransaction(tx -> tx.preparedQuery("""
            WITH stale AS (
              SELECT device_id, push_provider FROM devices
               WHERE push_token_at < now() - $1 * interval '1 millisecond' AND revoked_at IS NULL
               ORDER BY device_id LIMIT 1000 FOR UPDATE),
            outbox AS (DELETE FROM push_outbox o USING stale WHERE o.device_id = stale.device_id AND o.state = 'pending')
            UPDATE devices d SET push_provider = NULL, push_token = NULL, push_token_key = NULL, push_token_at = NULL
              FROM stale WHERE d.device_id = stale.device_id
            RETURNING stale.push_provider""")
        .execute(Tuple.of(maxAge.toMillis()))
        .map(rows -> {
          List<String> providers = new ArrayList<>(rows.size());
          rows.forEach(row -> providers.add(row.getString("push_provider")));
          return providers;
        }));
  }

  private Future<DeviceChange> changeOwned(String userId, String deviceId, String action, String update, Tuple args) {
    return pool.withTransaction(tx -> tx.preparedQuery("SELECT " + DEVICE_COLUMNS + " FROM devices WHERE device_id = $1 FOR UPDATE")
        .execute(Tuple.of(deviceId))
        .compose(rows -> {
          Device device = rows.size() == 0 ? null : toDevice(rows.iterator().next());
          if (device == null || device.revoked()) {
            return Future.failedFuture(Rejection.DEVICE_NOT_FOUND.of(deviceId));
          }
          if (!device.userId().equals(userId)) {
            return Future.failedFuture(Rejection.DEVICE_NOT_OWNED.of(deviceId));
          }
          return tx.preparedQuery(update).execute(args);
        })
        .compose(rows -> {
          Device device = toDevice(rows.iterator().next());
          JsonObject data = new JsonObject().put("action", action).put("device", device.toEventJson());
          return LogStore.append(tx, List.of(userId), Events.DEVICE, data)
              .map(appended -> new DeviceChange(device, appended, data));
        }));
  }

  /**
   * The stored cursor after an ack, the delivered receipts it appended (lockstep_append_json objects),
   * and whether the cursor has reached the point of a pending unlink after drain.
   */
  public record Acked(long cursor, JsonArray events, boolean drained) {
  }

  /**
   * Moves the device cursor forward to upTo (never back) and appends delivered receipts for the
   * messages of others it passes first. Fails with cursor_ahead when upTo is above the user's head, and
   * with device_revoked for a revoked device (its cursor is frozen).
   */
  public Future<Acked> ack(String userId, String deviceId, long upTo) {
    return pool.preparedQuery("SELECT * FROM lockstep_ack($1, $2, $3)")
        .execute(Tuple.of(userId, deviceId, upTo))
        .map(rows -> {
          Row row = rows.iterator().next();
          String outcome = row.getString("outcome");
          if (!outcome.equals("acked") && !outcome.equals("drained")) {
            throw Rejection.fromSql(outcome).of(deviceId, upTo);
          }
          return new Acked(row.getLong("cursor"), (JsonArray) row.getValue("events"), outcome.equals("drained"));
        });
  }

  /**
   * What a device said of its user's attention and when, when it was last focused and last acked, a
   * pending unlink after drain, and how often its state digest disagreed with the server's.
   */
  public record Lifecycle(String attention, OffsetDateTime attentionAt, OffsetDateTime lastAttentiveAt,
                          OffsetDateTime lastAckAt, Long drainUpTo, OffsetDateTime drainDeadline, int divergences,
                          OffsetDateTime lastDivergenceAt) {

    JsonObject toJson() {
      JsonObject json = new JsonObject().put("attention", attention).put("attention_at", millis(attentionAt))
          .put("last_attentive", millis(lastAttentiveAt)).put("last_ack_at", millis(lastAckAt))
          .put("divergences", divergences).put("last_divergence_at", millis(lastDivergenceAt));
      return drainUpTo == null ? json
          : json.put("drain", new JsonObject().put("up_to", drainUpTo).put("deadline", millis(drainDeadline)));
    }

    private static Long millis(OffsetDateTime time) {
      return time == null ? null : time.toInstant().toEpochMilli();
    }
  }

  private static List<Device> toDevices(RowSet<Row> rows) {
    List<Device> devices = new ArrayList<>(rows.size());
    for (Row row : rows) {
      devices.add(toDevice(row));
    }
    return devices;
  }

  private static Device toDevice(Row row) {
    return new Device(row.getString("device_id"), row.getString("user_id"), row.getString("name"),
        row.getString("platform"), row.getLong("cursor"), row.getLong("duplicate_sends"),
        row.getOffsetDateTime("created_at"), row.getOffsetDateTime("last_seen_at"),
        row.getOffsetDateTime("first_hello_at"), row.getOffsetDateTime("revoked_at"), row.getString("push_provider"),
        row.getOffsetDateTime("push_token_at"),
        new Lifecycle(row.getString("attention"), row.getOffsetDateTime("attention_at"),
            row.getOffsetDateTime("last_attentive_at"), row.getOffsetDateTime("last_ack_at"), row.getLong("drain_up_to"),
            row.getOffsetDateTime("drain_deadline"), row.getInteger("divergences"),
            row.getOffsetDateTime("last_divergence_at")));
  }
}
