package io.lockstep.sync;

import io.lockstep.metrics.LockstepMetrics;
import io.lockstep.store.DeviceStore;
import io.lockstep.store.DeviceStore.DeviceChange;

/**
 * Publishes a committed device change (added, renamed, revoked) to the user's connected devices, and
 * records the user's device count when one was added. Shared by hello (which registers new devices)
 * and the device operations.
 */
final class DeviceChanges {

  private final Delivery delivery;
  private final DeviceStore devices;
  private final LockstepMetrics metrics;

  DeviceChanges(Delivery delivery, DeviceStore devices, LockstepMetrics metrics) {
    this.delivery = delivery;
    this.devices = devices;
    this.metrics = metrics;
  }

  void committed(DeviceChange change) {
    String action = change.eventData().getString("action");
    delivery.deliver(change.appended(), "revoked".equals(action) ? change.device().deviceId() : null);
    if ("added".equals(action)) {
      devices.list(change.device().userId()).onSuccess(list -> metrics.devicesPerUser.record(list.size()));
    }
  }
}
