package io.lockstep.store;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;

import java.time.OffsetDateTime;

/** The read models of the operators' console (users, devices, conversations, sync health) and its audit log. */
public final class AdminStore {

  /** Members listed with a conversation; the rest are counted. */
  static final int MEMBERS_SHOWN = 200;

  private static final String DEVICE_HEALTH = """
      SELECT d.device_id, d.user_id, d.name, d.platform, d.cursor, u.head, u.floor, u.head - d.cursor AS lag,
             d.duplicate_sends, d.last_seen_at, d.divergences, d.last_divergence_at
        FROM devices d JOIN users u ON u.user_id = d.user_id
       WHERE d.revoked_at IS NULL""";

  private final Pool pool;

  public AdminStore(Pool pool) {
    this.pool = pool;
  }

  /** Users whose id starts with the query (case-insensitive), with their head and device count. */
  public Future<JsonArray> searchUsers(String query, int limit) {
    return pool.preparedQuery("""
            SELECT u.user_id, u.head, u.floor, u.created_at,
                   (SELECT count(*) FROM devices d WHERE d.user_id = u.user_id AND d.revoked_at IS NULL) AS devices
              FROM users u WHERE u.user_id ILIKE $1 ORDER BY u.user_id LIMIT $2""")
        .execute(Tuple.of(likePrefix(query), limit))
        .map(rows -> array(rows, row -> new JsonObject().put("user_id", row.getString("user_id"))
            .put("head", row.getLong("head")).put("floor", row.getLong("floor"))
            .put("devices", row.getLong("devices")).put("created", millis(row.getOffsetDateTime("created_at")))));
  }

  /** A user's log position and every device (revoked ones too), with cursor, lag and settings overrides. */
  public Future<JsonObject> user(String userId) {
    Future<RowSet<Row>> user = pool.preparedQuery("SELECT head, floor, created_at FROM users WHERE user_id = $1")
        .execute(Tuple.of(userId));
    Future<RowSet<Row>> devices = pool.preparedQuery("""
            SELECT d.device_id, d.name, d.platform, d.cursor, d.duplicate_sends, d.created_at, d.last_seen_at,
                   d.revoked_at, u.head - d.cursor AS lag, d.cursor < u.floor AS behind_retention, d.last_ack_at,
                   d.attention, d.attention_at, d.last_attentive_at, d.divergences, d.last_divergence_at, d.drain_up_to,
                   d.drain_deadline,
                   (SELECT jsonb_object_agg(s.key, s.value) FROM device_settings s WHERE s.device_id = d.device_id) AS overrides
              FROM devices d JOIN users u ON u.user_id = d.user_id
             WHERE d.user_id = $1 ORDER BY d.revoked_at NULLS FIRST, d.created_at""").execute(Tuple.of(userId));
    return Future.all(user, devices).map(both -> {
      RowSet<Row> userRows = both.resultAt(0);
      if (userRows.size() == 0) {
        return null;
      }
      Row row = userRows.iterator().next();
      JsonArray deviceArray = array(both.resultAt(1), device -> new JsonObject()
          .put("device_id", device.getString("device_id"))
          .put("name", device.getString("name"))
          .put("platform", device.getString("platform"))
          .put("cursor", device.getLong("cursor"))
          .put("lag", device.getLong("lag"))
          .put("behind_retention", device.getBoolean("behind_retention"))
          .put("duplicate_sends", device.getLong("duplicate_sends"))
          .put("created", millis(device.getOffsetDateTime("created_at")))
          .put("last_seen", millis(device.getOffsetDateTime("last_seen_at")))
          .put("revoked", device.getOffsetDateTime("revoked_at") != null)
          .put("last_ack_at", millis(device.getOffsetDateTime("last_ack_at")))
          .put("attention", device.getString("attention"))
          .put("attention_at", millis(device.getOffsetDateTime("attention_at")))
          .put("last_attentive", millis(device.getOffsetDateTime("last_attentive_at")))
          .put("divergences", device.getInteger("divergences"))
          .put("last_divergence_at", millis(device.getOffsetDateTime("last_divergence_at")))
          .put("drain_up_to", device.getLong("drain_up_to"))
          .put("drain_deadline", millis(device.getOffsetDateTime("drain_deadline")))
          .put("overrides", SettingsStore.jsonValue(device, "overrides")));
      return new JsonObject().put("user_id", userId).put("head", row.getLong("head")).put("floor", row.getLong("floor"))
          .put("created", millis(row.getOffsetDateTime("created_at"))).put("devices", deviceArray);
    });
  }

  /** Conversations whose id starts with the query or whose title contains it. */
  public Future<JsonArray> searchConversations(String query, int limit) {
    return pool.preparedQuery("""
            SELECT c.conversation_id, c.kind, c.title, c.head, c.member_count AS members, c.stream_from IS NOT NULL AS stream
              FROM conversations c
             WHERE c.conversation_id ILIKE $1 OR c.title ILIKE $2
             ORDER BY c.created_at DESC LIMIT $3""")
        .execute(Tuple.of(likePrefix(query), "%" + escapeLike(query) + "%", limit))
        .map(rows -> array(rows, row -> new JsonObject().put("conversation_id", row.getString("conversation_id"))
            .put("kind", row.getString("kind")).put("title", row.getString("title")).put("head", row.getLong("head"))
            .put("members", row.getLong("members")).put("stream", row.getBoolean("stream"))));
  }

  /**
   * A conversation, the read and delivery state of its first {@value #MEMBERS_SHOWN} members (a stream
   * may have 100,000), and a page of its log (newest first, below before).
   */
  public Future<JsonObject> conversation(String conversationId, long before, int limit) {
    Future<RowSet<Row>> conversation = pool.preparedQuery("SELECT kind, title, head, member_count, stream_from "
        + "FROM conversations WHERE conversation_id = $1").execute(Tuple.of(conversationId));
    Future<RowSet<Row>> members = pool.preparedQuery("""
            SELECT user_id, read_up_to, delivered_up_to, marked_unread, joined_at FROM conversation_members
             WHERE conversation_id = $1 ORDER BY user_id LIMIT $2""").execute(Tuple.of(conversationId, MEMBERS_SHOWN));
    Future<RowSet<Row>> messages = pool.preparedQuery("""
            SELECT m.conv_seq, m.sender_user, m.sender_device, d.name AS sender_device_name, m.client_msg_id, m.body,
                   m.created_at
              FROM messages m LEFT JOIN devices d ON d.device_id = m.sender_device
             WHERE m.conversation_id = $1 AND m.conv_seq < $2 ORDER BY m.conv_seq DESC LIMIT $3""")
        .execute(Tuple.of(conversationId, before, limit));
    return Future.all(conversation, members, messages).map(all -> {
      RowSet<Row> conversationRows = all.resultAt(0);
      if (conversationRows.size() == 0) {
        return null;
      }
      Row row = conversationRows.iterator().next();
      return new JsonObject().put("conversation_id", conversationId).put("kind", row.getString("kind"))
          .put("title", row.getString("title")).put("head", row.getLong("head"))
          .put("member_count", row.getInteger("member_count")).put("stream", row.getLong("stream_from") != null)
          .put("members", array(all.resultAt(1), member -> new JsonObject().put("user_id", member.getString("user_id"))
              .put("read_up_to", member.getLong("read_up_to")).put("delivered_up_to", member.getLong("delivered_up_to"))
              .put("unread", row.getLong("head") - member.getLong("read_up_to"))
              .put("marked_unread", member.getBoolean("marked_unread"))
              .put("joined", millis(member.getOffsetDateTime("joined_at")))))
          .put("messages", array(all.resultAt(2), message -> new JsonObject().put("conv_seq", message.getLong("conv_seq"))
              .put("sender_user", message.getString("sender_user")).put("sender_device", message.getString("sender_device"))
              .put("sender_device_name", message.getString("sender_device_name"))
              .put("client_msg_id", message.getString("client_msg_id")).put("body", message.getValue("body"))
              .put("ts", millis(message.getOffsetDateTime("created_at")))));
    });
  }

  /**
   * Sync health: the devices furthest behind, the devices stuck behind the retention window, the
   * devices whose retries were caught most, those whose state digest diverged (newest first), and how
   * lag is spread over all devices.
   */
  public Future<JsonObject> syncHealth(int limit) {
    Future<RowSet<Row>> laggards = pool.preparedQuery(DEVICE_HEALTH + " ORDER BY lag DESC LIMIT $1").execute(Tuple.of(limit));
    Future<RowSet<Row>> stuck = pool.preparedQuery(DEVICE_HEALTH + " AND d.cursor < u.floor ORDER BY lag DESC LIMIT $1")
        .execute(Tuple.of(limit));
    Future<RowSet<Row>> duplicates = pool.preparedQuery(DEVICE_HEALTH
        + " AND d.duplicate_sends > 0 ORDER BY d.duplicate_sends DESC LIMIT $1").execute(Tuple.of(limit));
    Future<RowSet<Row>> divergent = pool.preparedQuery(DEVICE_HEALTH
        + " AND d.divergences > 0 ORDER BY d.last_divergence_at DESC LIMIT $1").execute(Tuple.of(limit));
    Future<RowSet<Row>> spread = pool.query("""
            SELECT CASE WHEN lag = 0 THEN '0' WHEN lag <= 10 THEN '1-10' WHEN lag <= 100 THEN '11-100'
                        WHEN lag <= 1000 THEN '101-1000' WHEN lag <= 10000 THEN '1001-10000' ELSE '>10000' END AS bucket,
                   count(*) AS devices
              FROM (SELECT u.head - d.cursor AS lag FROM devices d JOIN users u ON u.user_id = d.user_id
                     WHERE d.revoked_at IS NULL) lags
             GROUP BY bucket""").execute();
    return Future.all(laggards, stuck, duplicates, spread, divergent).map(all -> {
      JsonObject buckets = new JsonObject();
      for (String bucket : new String[] {"0", "1-10", "11-100", "101-1000", "1001-10000", ">10000"}) {
        buckets.put(bucket, 0L);
      }
      all.<RowSet<Row>>resultAt(3).forEach(row -> buckets.put(row.getString("bucket"), row.getLong("devices")));
      return new JsonObject()
          .put("laggards", array(all.resultAt(0), AdminStore::deviceHealth))
          .put("behind_retention", array(all.resultAt(1), AdminStore::deviceHealth))
          .put("duplicate_senders", array(all.resultAt(2), AdminStore::deviceHealth))
          .put("divergent", array(all.resultAt(4), AdminStore::deviceHealth))
          .put("lag_distribution", buckets);
    });
  }

  /**
   * The counts the console's warnings compare with their thresholds: active devices more than
   * {@code lagThreshold} events behind, those behind the retention window, and those that reported a
   * state divergence in the last 30 minutes.
   */
  public Future<JsonObject> deviceCounts(long lagThreshold) {
    return pool.preparedQuery("""
            SELECT count(*) FILTER (WHERE u.head - d.cursor > $1) AS lagging,
                   count(*) FILTER (WHERE d.cursor < u.floor) AS behind_retention,
                   count(*) FILTER (WHERE d.last_divergence_at > now() - interval '30 minutes') AS divergent
              FROM devices d JOIN users u ON u.user_id = d.user_id
             WHERE d.revoked_at IS NULL""")
        .execute(Tuple.of(lagThreshold))
        .map(rows -> {
          Row row = rows.iterator().next();
          return new JsonObject().put("lagging", row.getLong("lagging"))
              .put("behind_retention", row.getLong("behind_retention")).put("divergent", row.getLong("divergent"));
        });
  }

  /** One device of a user: {device_id, name, revoked}, or null when the user has no such device. */
  public Future<JsonObject> device(String userId, String deviceId) {
    return pool.preparedQuery("SELECT name, revoked_at FROM devices WHERE device_id = $1 AND user_id = $2")
        .execute(Tuple.of(deviceId, userId))
        .map(rows -> rows.size() == 0 ? null : new JsonObject().put("device_id", deviceId)
            .put("name", rows.iterator().next().getString("name"))
            .put("revoked", rows.iterator().next().getOffsetDateTime("revoked_at") != null));
  }

  public Future<Boolean> userExists(String userId) {
    return pool.preparedQuery("SELECT 1 FROM users WHERE user_id = $1").execute(Tuple.of(userId))
        .map(rows -> rows.size() > 0);
  }

  /**
   * Active devices whose id starts with the query (case-insensitive; the console shows ids cut short)
   * or whose user id is the query, devices of that user first, with their lag and last sighting.
   */
  public Future<JsonArray> findDevices(String query, int limit) {
    return pool.preparedQuery(DEVICE_HEALTH + " AND (d.device_id ILIKE $1 OR d.user_id = $2)"
            + " ORDER BY d.user_id = $2 DESC, d.user_id, d.created_at LIMIT $3")
        .execute(Tuple.of(likePrefix(query), query, limit))
        .map(rows -> array(rows, AdminStore::deviceHealth));
  }

  public Future<Void> audit(String actor, String action, String target, JsonObject details, String node) {
    return pool.preparedQuery("INSERT INTO admin_audit (actor, action, target, details, node) VALUES ($1, $2, $3, $4, $5)")
        .execute(Tuple.of(actor, action, target, details, node)).mapEmpty();
  }

  public Future<JsonArray> auditLog(int limit) {
    return pool.preparedQuery("SELECT id, at, actor, action, target, details, node FROM admin_audit ORDER BY id DESC LIMIT $1")
        .execute(Tuple.of(limit))
        .map(rows -> array(rows, row -> new JsonObject().put("id", row.getLong("id"))
            .put("at", millis(row.getOffsetDateTime("at"))).put("actor", row.getString("actor"))
            .put("action", row.getString("action")).put("target", row.getString("target"))
            .put("details", row.getValue("details")).put("node", row.getString("node"))));
  }

  private static JsonObject deviceHealth(Row row) {
    return new JsonObject().put("device_id", row.getString("device_id")).put("user_id", row.getString("user_id"))
        .put("name", row.getString("name")).put("platform", row.getString("platform"))
        .put("cursor", row.getLong("cursor")).put("head", row.getLong("head")).put("floor", row.getLong("floor"))
        .put("lag", row.getLong("lag")).put("duplicate_sends", row.getLong("duplicate_sends"))
        .put("last_seen", millis(row.getOffsetDateTime("last_seen_at"))).put("divergences", row.getInteger("divergences"))
        .put("last_divergence_at", millis(row.getOffsetDateTime("last_divergence_at")));
  }

  private static JsonArray array(RowSet<Row> rows, java.util.function.Function<Row, JsonObject> mapper) {
    JsonArray array = new JsonArray();
    rows.forEach(row -> array.add(mapper.apply(row)));
    return array;
  }

  private static Long millis(OffsetDateTime time) {
    return time == null ? null : time.toInstant().toEpochMilli();
  }

  private static String likePrefix(String query) {
    return escapeLike(query) + "%";
  }

  private static String escapeLike(String text) {
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_");
  }
}
