package io.lockstep.admin;

import io.lockstep.presence.PresenceRegistry;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Adds whether each listed device is connected now, and where, to rows of the console's read models
 * ({user_id, device_id, ...}): {@code online} true or false and {@code presence} {node, since,
 * last_seen, connections, attention}; {@code online} is null for every row when Redis cannot answer.
 */
final class DevicePresence {

  private final PresenceRegistry presence;

  DevicePresence(PresenceRegistry presence) {
    this.presence = presence;
  }

  /** Looks up the devices of every array given (one Redis batch per user) and marks their rows in place. */
  Future<Void> mark(List<JsonArray> arrays) {
    Map<String, List<JsonObject>> byUser = new LinkedHashMap<>();
    arrays.forEach(rows -> rows.forEach(row -> {
      JsonObject device = (JsonObject) row;
      byUser.computeIfAbsent(device.getString("user_id"), user -> new ArrayList<>()).add(device);
    }));
    List<Future<Void>> lookups = new ArrayList<>();
    byUser.forEach((user, rows) -> lookups.add(presence.presenceOf(user,
            rows.stream().map(row -> row.getString("device_id")).distinct().toList())
        .map(found -> {
          rows.forEach(row -> row.put("online", found.containsKey(row.getString("device_id")))
              .put("presence", found.get(row.getString("device_id"))));
          return (Void) null;
        })
        .recover(failure -> {
          rows.forEach(row -> row.putNull("online"));
          return Future.succeededFuture();
        })));
    return Future.all(lookups).mapEmpty();
  }
}
