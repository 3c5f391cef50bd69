package io.lockstep.connection;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

/**
 * An operator's disconnect: closes the live connections of one device, or of every device of a user,
 * on whichever nodes hold them, with close code {@value #CLOSE_CODE} ("disconnected by an operator").
 * Nothing else changes: the device stays registered, its cursor where it was, so a client reconnects
 * and resumes from its cursor.
 *
 * @implNote Published to every node (as the replace of an older socket is): each connection-verticle
 *     instance closes the matching sessions it holds, so it does not matter which node the console
 *     runs on or whether Redis knows the routes.
 */
public final class OperatorDisconnect {

  public static final int CLOSE_CODE = 4010;
  static final String ADDRESS = "lockstep.sessions.disconnect";
  static final String REASON = "disconnected by an operator: reconnect";

  private OperatorDisconnect() {
  }

  /** Closes the device's connections, or every connection of the user when deviceId is null. */
  public static void publish(Vertx vertx, String userId, String deviceId) {
    JsonObject order = new JsonObject().put("user_id", userId);
    if (deviceId != null) {
      order.put("device_id", deviceId);
    }
    vertx.eventBus().publish(ADDRESS, order);
  }
}
