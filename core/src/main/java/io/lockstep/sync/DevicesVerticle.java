package io.lockstep.sync;

import io.lockstep.bus.BusService;
import io.lockstep.bus.DeviceCalls.DeviceList;
import io.lockstep.bus.DeviceCalls.DeviceReply;
import io.lockstep.bus.DeviceCalls.DrainReply;
import io.lockstep.bus.DeviceCalls.ListDevices;
import io.lockstep.bus.DeviceCalls.ListedDevice;
import io.lockstep.bus.DeviceCalls.RegisterDevice;
import io.lockstep.bus.DeviceCalls.RenameDevice;
import io.lockstep.bus.DeviceCalls.RevokeDevice;
import io.lockstep.bus.DeviceCalls.UnlinkAfterDrain;
import io.lockstep.bus.Operation;
import io.lockstep.metrics.LockstepMetrics;
import io.lockstep.presence.PresenceRegistry;
import io.lockstep.store.DeviceStore;
import io.lockstep.store.DeviceStore.Device;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A user's devices: registers, lists (with presence from Redis), renames and revokes them (at once, or
 * after drain: once the device has acked up to the head of the request). Every change is a `device`
 * event in the user's log, delivered after it committed.
 */
public final class DevicesVerticle extends VerticleBase {

  private final Pool pool;
  private final Duration drainTimeout;
  private final PresenceRegistry presence;
  private final LockstepMetrics metrics;
  private DeviceStore devices;
  private DeviceChanges changes;

  public DevicesVerticle(Pool pool, Duration drainTimeout, PresenceRegistry presence, LockstepMetrics metrics) {
    this.pool = pool;
    this.drainTimeout = drainTimeout;
    this.presence = presence;
    this.metrics = metrics;
  }

  @Override
  public Future<?> start() {
    devices = new DeviceStore(pool);
    changes = new DeviceChanges(new Delivery(vertx, presence, metrics), devices, metrics);
    return Future.all(List.of(
        BusService.answer(vertx, metrics, Operation.REGISTER_DEVICE, this::register),
        BusService.answer(vertx, metrics, Operation.LIST_DEVICES, this::list),
        BusService.answer(vertx, metrics, Operation.RENAME_DEVICE, this::rename),
        BusService.answer(vertx, metrics, Operation.REVOKE_DEVICE, this::revoke),
        BusService.answer(vertx, metrics, Operation.UNLINK_AFTER_DRAIN, this::unlinkAfterDrain)));
  }

  private Future<DeviceReply> register(RegisterDevice request) {
    return devices.register(request.caller().userId(), request.name(), request.platform()).map(this::committed);
  }

  /** The user's devices, each with online and presence from Redis (online is null when Redis cannot answer). */
  private Future<DeviceList> list(ListDevices request) {
    String userId = request.caller().userId();
    return devices.list(userId).compose(list -> presence.presenceOf(userId, list.stream().map(Device::deviceId).toList())
        .map(present -> withPresence(list, present))
        .recover(failure -> Future.succeededFuture(withPresence(list, null))));
  }

  private static DeviceList withPresence(List<Device> list, Map<String, JsonObject> present) {
    return new DeviceList(list.stream().map(device -> {
      JsonObject entry = present == null ? null : present.get(device.deviceId());
      return new ListedDevice(device, present == null ? null : entry != null, entry);
    }).toList());
  }

  private Future<DeviceReply> rename(RenameDevice request) {
    return devices.rename(request.caller().userId(), request.deviceId(), request.name()).map(this::committed);
  }

  private Future<DeviceReply> revoke(RevokeDevice request) {
    return devices.revoke(request.caller().userId(), request.deviceId()).map(this::committed);
  }

  private Future<DrainReply> unlinkAfterDrain(UnlinkAfterDrain request) {
    return devices.drain(request.caller().userId(), request.deviceId(), drainTimeout).map(drain -> {
      if (drain.revoked() != null) {
        changes.committed(drain.revoked());
      }
      return new DrainReply(drain.device(), drain.revoked() != null);
    });
  }

  private DeviceReply committed(DeviceStore.DeviceChange change) {
    changes.committed(change);
    return new DeviceReply(change.device());
  }
}
