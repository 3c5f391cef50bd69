package io.lockstep.store;

import io.lockstep.protocol.Events;
import io.lockstep.protocol.HlcStamps;
import io.vertx.core.Future;
import io.vertx.core.json.Json;
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

/**
 * Account-scoped and device-scoped settings, in separate tables (invariant 6: syncing account state
 * never writes a device-scoped value). Account writes are conditional on the version the conflict
 * policy decided on, and append a `settings` event to the user's log in the same transaction.
 */
public final class SettingsStore {

  private final Pool pool;

  public SettingsStore(Pool pool) {
    this.pool = pool;
  }

  /** A stored account value with its version, clock stamp, writer and the policy's state. */
  public record AccountValue(String key, Object value, Object state, long version, long hlc, String deviceId) {
    public JsonObject toJson() {
      return HlcStamps.put(new JsonObject().put("value", value).put("version", version), "hlc", hlc)
          .put("device_id", deviceId);
    }

    /** The form a conflict policy receives as "stored". */
    public JsonObject toPolicyJson() {
      return toJson().put("state", state);
    }
  }

  /** A device's own value of a key. */
  public record DeviceValue(String key, Object value, long version) {
    public JsonObject toJson() {
      return new JsonObject().put("value", value).put("version", version);
    }
  }

  /** An account write that committed: the event appended and the devices whose override shadows it. */
  public record AccountWrite(AccountValue stored, List<String> shadowedOn, LogStore.Appended event, JsonObject eventData) {
  }

  public Future<AccountValue> account(String userId, String key) {
    return pool.preparedQuery("SELECT key, value, state, version, hlc, writer_device FROM account_settings WHERE user_id = $1 AND key = $2")
        .execute(Tuple.of(userId, key))
        .map(rows -> rows.size() == 0 ? null : toAccount(rows.iterator().next()));
  }

  public Future<Map<String, AccountValue>> accountAll(String userId) {
    return accountAll(pool, userId);
  }

  /** The user's account values read through the given client (inside the caller's transaction). */
  public static Future<Map<String, AccountValue>> accountAll(SqlClient client, String userId) {
    return client.preparedQuery("SELECT key, value, state, version, hlc, writer_device FROM account_settings WHERE user_id = $1 ORDER BY key")
        .execute(Tuple.of(userId))
        .map(rows -> {
          Map<String, AccountValue> values = new LinkedHashMap<>();
          rows.forEach(row -> values.put(row.getString("key"), toAccount(row)));
          return values;
        });
  }

  public Future<Map<String, DeviceValue>> deviceAll(String deviceId) {
    if (deviceId == null) {
      return Future.succeededFuture(Map.of());
    }
    return pool.preparedQuery("SELECT key, value, version FROM device_settings WHERE device_id = $1 ORDER BY key")
        .execute(Tuple.of(deviceId))
        .map(rows -> {
          Map<String, DeviceValue> values = new LinkedHashMap<>();
          rows.forEach(row -> values.put(row.getString("key"),
              new DeviceValue(row.getString("key"), jsonValue(row, "value"), row.getLong("version"))));
          return values;
        });
  }

  /** Sets the device's own value of a key; a null value removes the override (version 0). */
  public Future<DeviceValue> setDevice(String userId, String deviceId, String key, Object value) {
    if (value == null) {
      return pool.preparedQuery("DELETE FROM device_settings WHERE device_id = $1 AND key = $2")
          .execute(Tuple.of(deviceId, key)).map(rows -> new DeviceValue(key, null, 0));
    }
    return pool.preparedQuery("""
            INSERT INTO device_settings (device_id, user_id, key, value) VALUES ($1, $2, $3, $4::text::jsonb)
            ON CONFLICT (device_id, key) DO UPDATE SET value = EXCLUDED.value, version = device_settings.version + 1,
                                                       updated_at = now()
            RETURNING version""")
        .execute(Tuple.of(deviceId, userId, key, Json.encode(value)))
        .map(rows -> new DeviceValue(key, value, rows.iterator().next().getLong("version")));
  }

  /**
   * Writes an account value if the stored version is still expectedVersion (0: never written);
   * answers null when another write got in first. The settings event goes to the user's log with the
   * devices whose own value shadows the key.
   */
  public Future<AccountWrite> writeAccount(String userId, String key, Object value, Object state, long expectedVersion,
                                           long hlc, String writerDevice, long serverHlc) {
    String write = expectedVersion == 0
        ? """
          INSERT INTO account_settings (user_id, key, value, state, version, hlc, writer_device)
          VALUES ($1, $2, $3::text::jsonb, $4::text::jsonb, 1, $5, $6) ON CONFLICT (user_id, key) DO NOTHING RETURNING version"""
        : """
          UPDATE account_settings SET value = $3::text::jsonb, state = $4::text::jsonb, version = version + 1, hlc = $5,
                 writer_device = $6, updated_at = now()
           WHERE user_id = $1 AND key = $2 AND version = $7 RETURNING version""";
    Tuple args = Tuple.of(userId, key, Json.encode(value), state == null ? null : Json.encode(state), hlc, writerDevice);
    if (expectedVersion != 0) {
      args.addLong(expectedVersion);
    }
    return pool.withTransaction(tx -> DeviceStore.ensureAndLockUsers(tx, List.of(userId))
        .compose(v -> tx.preparedQuery(write).execute(args))
        .compose(rows -> {
          if (rows.size() == 0) {
            return Future.succeededFuture(null);
          }
          AccountValue stored = new AccountValue(key, value, state, rows.iterator().next().getLong("version"), hlc,
              writerDevice);
          return tx.preparedQuery("""
                  SELECT s.device_id FROM device_settings s JOIN devices d ON d.device_id = s.device_id
                   WHERE s.user_id = $1 AND s.key = $2 AND d.revoked_at IS NULL ORDER BY s.device_id""")
              .execute(Tuple.of(userId, key))
              .compose(shadowRows -> {
                List<String> shadowed = new ArrayList<>();
                shadowRows.forEach(row -> shadowed.add(row.getString("device_id")));
                JsonObject data = HlcStamps.put(stored.toJson().put("key", key), "server_hlc", serverHlc)
                    .put("shadowed_on", new JsonArray(new ArrayList<>(shadowed)));
                return LogStore.append(tx, List.of(userId), Events.SETTINGS, data)
                    .map(appended -> new AccountWrite(stored, shadowed, appended, data));
              });
        }));
  }

  private static AccountValue toAccount(Row row) {
    return new AccountValue(row.getString("key"), jsonValue(row, "value"), jsonValue(row, "state"), row.getLong("version"),
        row.getLong("hlc"), row.getString("writer_device"));
  }

  /** A jsonb column's value, with JSON null read as null. */
  static Object jsonValue(Row row, String column) {
    Object value = row.getValue(column);
    return value == Tuple.JSON_NULL ? null : value;
  }
}
