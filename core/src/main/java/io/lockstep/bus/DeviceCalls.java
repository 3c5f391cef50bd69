package io.lockstep.bus;

import io.lockstep.protocol.Fields;
import io.lockstep.store.DeviceStore.Device;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.List;

/** Requests and replies of a user's devices (answered by io.lockstep.sync.DevicesVerticle). */
public final class DeviceCalls {

  private DeviceCalls() {
  }

  public record RegisterDevice(Caller caller, String name, String platform) implements BusRequest<DeviceReply> {
    public static RegisterDevice from(Caller caller, JsonObject body) {
      return new RegisterDevice(caller, Fields.optionalText(body, "name", 128, "unnamed device"),
          Fields.optionalText(body, "platform", 64, ""));
    }

    @Override
    public Operation operation() {
      return Operation.REGISTER_DEVICE;
    }
  }

  public record RenameDevice(Caller caller, String deviceId, String name) implements BusRequest<DeviceReply> {
    public static RenameDevice from(Caller caller, String deviceId, JsonObject body) {
      String name = Fields.optionalText(body, "name", 128, null);
      if (name == null) {
        throw Fields.invalid("name", "is required and must be a non-empty string");
      }
      return new RenameDevice(caller, checkedId(deviceId), name);
    }

    @Override
    public Operation operation() {
      return Operation.RENAME_DEVICE;
    }
  }

  public record RevokeDevice(Caller caller, String deviceId) implements BusRequest<DeviceReply> {
    public static RevokeDevice of(Caller caller, String deviceId) {
      return new RevokeDevice(caller, checkedId(deviceId));
    }

    @Override
    public Operation operation() {
      return Operation.REVOKE_DEVICE;
    }
  }

  /** Unlink after drain: revoke the device once it has acked up to the user's head as it is now. */
  public record UnlinkAfterDrain(Caller caller, String deviceId) implements BusRequest<DrainReply> {
    public static UnlinkAfterDrain of(Caller caller, String deviceId) {
      return new UnlinkAfterDrain(caller, checkedId(deviceId));
    }

    @Override
    public Operation operation() {
      return Operation.UNLINK_AFTER_DRAIN;
    }
  }

  /** The device, revoked when it had drained already, else with its drain {up_to, deadline}. */
  public record DrainReply(Device device, boolean revoked) implements BusReply {
    @Override
    public JsonObject toJson() {
      JsonObject reply = new DeviceReply(device).toJson();
      return revoked ? reply : reply.put("drain", device.toJson().getJsonObject("drain"));
    }
  }

  /** One device after a change; a revoked device says so. */
  public record DeviceReply(Device device) implements BusReply {
    @Override
    public JsonObject toJson() {
      JsonObject json = device.toJson();
      if (device.revoked()) {
        json.put("revoked", true);
      }
      return new JsonObject().put("device", json);
    }
  }

  public record ListDevices(Caller caller) implements BusRequest<DeviceList> {
    @Override
    public Operation operation() {
      return Operation.LIST_DEVICES;
    }
  }

  /** A device with its presence from Redis: online is null when Redis could not answer. */
  public record ListedDevice(Device device, Boolean online, JsonObject presence) {
    public JsonObject toJson() {
      return device.toJson().put("online", online).put("presence", presence);
    }
  }

  public record DeviceList(List<ListedDevice> devices) implements BusReply {
    public boolean anyOnline() {
      return devices.stream().anyMatch(listed -> Boolean.TRUE.equals(listed.online()));
    }

    public JsonArray toJsonArray() {
      JsonArray array = new JsonArray();
      devices.forEach(listed -> array.add(listed.toJson()));
      return array;
    }

    @Override
    public JsonObject toJson() {
      return new JsonObject().put("devices", toJsonArray());
    }
  }

  private static String checkedId(String deviceId) {
    return Fields.requiredId(new JsonObject().put("device_id", deviceId), "device_id");
  }
}
