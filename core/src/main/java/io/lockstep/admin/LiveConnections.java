package io.lockstep.admin;

import io.lockstep.config.ConsoleConfig.Thresholds;
import io.lockstep.protocol.Fields;
import io.lockstep.store.AdminStore;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

import java.util.List;

/**
 * Finds devices and their live connections by device id (or the start of one: the console shows ids
 * cut short) or by user id: each active device found with whether it is connected, on which node,
 * since when and with how many sockets.
 */
final class LiveConnections {

  private static final int LIMIT = 50;

  private final AdminHttp http;
  private final AdminStore store;
  private final DevicePresence presence;
  private final Thresholds thresholds;

  LiveConnections(AdminHttp http, AdminStore store, DevicePresence presence, Thresholds thresholds) {
    this.http = http;
    this.store = store;
    this.presence = presence;
    this.thresholds = thresholds;
  }

  void search(RoutingContext ctx) {
    String query = AdminHttp.query(ctx);
    if (query.isEmpty()) {
      throw Fields.invalid("q", "must be a user id or the start of a device id");
    }
    http.respond(ctx, store.findDevices(query, LIMIT)
        .compose(devices -> presence.mark(List.of(devices)).map(v -> new JsonObject().put("devices", devices)
            .put("thresholds", thresholds.toJson()))));
  }
}
