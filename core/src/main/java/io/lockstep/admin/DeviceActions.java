package io.lockstep.admin;

import io.lockstep.bus.BusClient;
import io.lockstep.bus.Caller;
import io.lockstep.bus.DeviceCalls.DeviceList;
import io.lockstep.bus.DeviceCalls.ListDevices;
import io.lockstep.bus.DeviceCalls.ListedDevice;
import io.lockstep.bus.DeviceCalls.RevokeDevice;
import io.lockstep.connection.OperatorDisconnect;
import io.lockstep.presence.PresenceRegistry;
import io.lockstep.protocol.ErrorCode;
import io.lockstep.protocol.LockstepException;
import io.lockstep.store.AdminStore;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

import java.util.List;

import static io.lockstep.admin.AdminHttp.operator;

/**
 * What an operator can do to devices, each written to the audit log once it is done: revoke a device
 * (permanent: it can never connect again), disconnect a device, or disconnect every device of a user
 * (their connections close with 4010 on whichever node holds them; the clients reconnect and resume).
 * An unknown user or device is answered not_found and changes nothing; a revoked device cannot be
 * disconnected (device_revoked).
 */
final class DeviceActions {

  private final AdminHttp http;
  private final Vertx vertx;
  private final BusClient bus;
  private final AdminStore store;
  private final PresenceRegistry presence;
  private final String nodeId;

  DeviceActions(AdminHttp http, Vertx vertx, BusClient bus, AdminStore store, PresenceRegistry presence, String nodeId) {
    this.http = http;
    this.vertx = vertx;
    this.bus = bus;
    this.store = store;
    this.presence = presence;
    this.nodeId = nodeId;
  }

  void revoke(RoutingContext ctx) {
    String userId = ctx.pathParam("user_id");
    String deviceId = ctx.pathParam("device_id");
    http.respond(ctx, Future.<RevokeDevice>succeededFuture().map(v -> RevokeDevice.of(Caller.user(userId), deviceId))
        .compose(bus::call)
        .compose(revoked -> store.audit(operator(ctx), "revoke_device", userId + "/" + deviceId,
                new JsonObject().put("name", revoked.device().name()), nodeId)
            .map(v -> revoked.toJson())));
  }

  /** Closes the device's live connections; answers how many there were (null when Redis could not say). */
  void disconnectDevice(RoutingContext ctx) {
    String userId = ctx.pathParam("user_id");
    String deviceId = ctx.pathParam("device_id");
    http.respond(ctx, store.device(userId, deviceId).compose(device -> {
      if (device == null) {
        throw new LockstepException(ErrorCode.NOT_FOUND, "user " + userId + " has no device " + deviceId);
      }
      if (device.getBoolean("revoked")) {
        throw new LockstepException(ErrorCode.DEVICE_REVOKED,
            "device " + deviceId + " is revoked: it has no connections to close");
      }
      return connections(userId, List.of(deviceId)).compose(connections -> {
        OperatorDisconnect.publish(vertx, userId, deviceId);
        JsonObject done = new JsonObject().put("name", device.getString("name")).put("connections", connections);
        return store.audit(operator(ctx), "disconnect_device", userId + "/" + deviceId, done, nodeId)
            .map(v -> done.copy().put("user_id", userId).put("device_id", deviceId));
      });
    }));
  }

  /** Closes the live connections of every device of the user; answers how many devices and connections. */
  void disconnectUser(RoutingContext ctx) {
    String userId = ctx.pathParam("user_id");
    http.respond(ctx, store.userExists(userId).compose(exists -> {
      if (!exists) {
        throw new LockstepException(ErrorCode.NOT_FOUND, "no user " + userId);
      }
      return bus.call(new ListDevices(Caller.user(userId)));
    }).compose(devices -> {
      OperatorDisconnect.publish(vertx, userId, null);
      JsonObject done = new JsonObject().put("devices", online(devices)).put("connections", connections(devices));
      return store.audit(operator(ctx), "disconnect_user", userId, done, nodeId)
          .map(v -> done.copy().put("user_id", userId));
    }));
  }

  private Future<Long> connections(String userId, List<String> deviceIds) {
    return presence.presenceOf(userId, deviceIds)
        .map(found -> found.values().stream().mapToLong(entry -> entry.getLong("connections", 0L)).sum())
        .otherwise((Long) null);
  }

  private static long online(DeviceList devices) {
    return devices.devices().stream().filter(listed -> Boolean.TRUE.equals(listed.online())).count();
  }

  private static long connections(DeviceList devices) {
    return devices.devices().stream().map(ListedDevice::presence).filter(entry -> entry != null)
        .mapToLong(entry -> entry.getLong("connections", 0L)).sum();
  }
}
