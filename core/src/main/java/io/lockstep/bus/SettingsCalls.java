package io.lockstep.bus;

import io.lockstep.protocol.Fields;
import io.lockstep.protocol.HlcStamps;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;

/**
 * Requests and replies of settings (answered by io.lockstep.settings.SettingsVerticle). Which keys
 * and scopes exist is the verticle's configuration; these check only the shapes of the fields.
 */
public final class SettingsCalls {

  private SettingsCalls() {
  }

  /** A write; value null clears a device override. The server API's caller has no device. */
  public record SetSetting(Caller caller, String scope, String key, Object value, Long baseVersion, Long hlc)
      implements BusRequest<SettingResult> {
    public static SetSetting from(Caller caller, JsonObject frame) {
      String key = Fields.requiredString(frame, "key");
      String scope = Fields.requiredString(frame, "scope");
      if (!frame.containsKey("value")) {
        throw Fields.invalid("value", "is required (null clears it)");
      }
      return new SetSetting(caller, scope, key, frame.getValue("value"), Fields.optionalCount(frame, "base_version"),
          HlcStamps.optional(frame, "hlc"));
    }

    @Override
    public Operation operation() {
      return Operation.SET_SETTING;
    }
  }

  /** The result frame's body of a write. */
  public record SettingResult(JsonObject result) implements BusReply {
    @Override
    public JsonObject toJson() {
      return result.copy();
    }
  }

  /** The caller's settings; keys null means every stored key and every single-key default. */
  public record GetSettings(Caller caller, List<String> keys) implements BusRequest<SettingsReply> {
    public static GetSettings from(Caller caller, JsonObject frame) {
      if (!frame.containsKey("keys")) {
        return new GetSettings(caller, null);
      }
      if (!(frame.getValue("keys") instanceof JsonArray requested)) {
        throw Fields.invalid("keys", "must be an array of keys");
      }
      List<String> keys = new ArrayList<>();
      for (Object key : requested) {
        if (!(key instanceof String name)) {
          throw Fields.invalid("keys", "must be an array of keys");
        }
        keys.add(name);
      }
      return new GetSettings(caller, keys);
    }

    @Override
    public Operation operation() {
      return Operation.GET_SETTINGS;
    }
  }

  /** {account: {key: {...}}, device: {key: {...}}, effective: {key: value}, server_hlc, server_hlc_str}. */
  public record SettingsReply(JsonObject settings) implements BusReply {
    @Override
    public JsonObject toJson() {
      return settings.copy();
    }
  }
}
