package io.lockstep.settings;

import io.lockstep.bus.BusService;
import io.lockstep.bus.Operation;
import io.lockstep.bus.SettingsCalls.GetSettings;
import io.lockstep.bus.SettingsCalls.SetSetting;
import io.lockstep.bus.SettingsCalls.SettingResult;
import io.lockstep.bus.SettingsCalls.SettingsReply;
import io.lockstep.config.LockstepConfig.SettingsConfig;
import io.lockstep.config.SettingKey;
import io.lockstep.config.SettingKey.Scope;
import io.lockstep.metrics.LockstepMetrics;
import io.lockstep.plugin.ConflictDecision;
import io.lockstep.plugin.Contract;
import io.lockstep.plugin.ServerEvents;
import io.lockstep.presence.PresenceRegistry;
import io.lockstep.protocol.ErrorCode;
import io.lockstep.protocol.Fields;
import io.lockstep.protocol.HlcStamps;
import io.lockstep.protocol.LockstepException;
import io.lockstep.store.SettingsStore;
import io.lockstep.store.SettingsStore.AccountValue;
import io.lockstep.store.SettingsStore.AccountWrite;
import io.lockstep.store.SettingsStore.DeviceValue;
import io.lockstep.sync.Delivery;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Account-scoped and device-scoped settings. An account write goes through its key's conflict
 * policy (a plugin verticle on {@code lockstep.conflict.<policy>}) and lands in the user's log as a
 * `settings` event; a device write stays with that device and never reaches or overwrites another.
 * The effective value on a device is its own value if set, else the account value, else the default.
 * Answers on {@code lockstep.settings.*}.
 */
public final class SettingsVerticle extends VerticleBase {

  private static final int MAX_POLICY_ROUNDS = 5;
  private static final long POLICY_TIMEOUT_MS = 5000;

  private final SettingsConfig config;
  private final Pool pool;
  private final PresenceRegistry presence;
  private final LockstepMetrics metrics;
  private final HybridClock clock;
  private SettingsStore store;
  private Delivery delivery;

  public SettingsVerticle(SettingsConfig config, Pool pool, PresenceRegistry presence, LockstepMetrics metrics,
                          HybridClock clock) {
    this.config = config;
    this.pool = pool;
    this.presence = presence;
    this.metrics = metrics;
    this.clock = clock;
  }

  @Override
  public Future<?> start() {
    store = new SettingsStore(pool);
    delivery = new Delivery(vertx, presence, metrics);
    return Future.all(
        BusService.answer(vertx, metrics, Operation.SET_SETTING, this::set),
        BusService.answer(vertx, metrics, Operation.GET_SETTINGS, this::get));
  }

  /** A write of the caller's device (device_id null for the server API). */
  private Future<SettingResult> set(SetSetting request) {
    String key = request.key();
    SettingKey spec = spec(key);
    Scope scope = scope(request.scope());
    if (!spec.allows(scope)) {
      throw Fields.invalid("scope", "'" + scope.wire() + "' is not allowed for key " + key + " (allowed: "
          + spec.scopes().stream().map(Scope::wire).toList() + ")");
    }
    Object value = request.value();
    String userId = request.caller().userId();
    String deviceId = request.caller().deviceId();
    if (scope == Scope.DEVICE) {
      if (deviceId == null) {
        throw Fields.invalid("scope", "device settings are written by a device");
      }
      return store.setDevice(userId, deviceId, key, value).compose(written -> store.account(userId, key)
          .map(account -> new SettingResult(new JsonObject().put("scope", scope.wire()).put("key", key)
              .put("value", written.value()).put("version", written.version())
              .put("effective", effective(spec, account, written.version() == 0 ? null : written)))));
    }
    long stamp = request.hlc() == null ? clock.tick() : clock.accept(request.hlc());
    return writeAccount(spec, userId, deviceId, key, value, request.baseVersion(), stamp, 1)
        .map(SettingResult::new);
  }

  private Future<JsonObject> writeAccount(SettingKey spec, String userId, String deviceId, String key, Object value,
                                          Long baseVersion, long stamp, int round) {
    return store.account(userId, key).compose(stored -> decide(spec, userId, deviceId, key, value, baseVersion, stamp, stored)
        .compose(decision -> {
          if (decision.action().equals("reject")) {
            throw conflict(spec, key, stored);
          }
          Object newValue = decision.action().equals("merge") ? decision.value() : value;
          Object newState = decision.action().equals("merge") ? decision.state() : null;
          if (stored != null && Objects.equals(newValue, stored.value()) && Objects.equals(newState, stored.state())) {
            return Future.succeededFuture(accountReply(stored, List.of(), false));
          }
          long serverHlc = clock.tick();
          return store.writeAccount(userId, key, newValue, newState, stored == null ? 0 : stored.version(), stamp,
                  deviceId, serverHlc)
              .compose(written -> {
                if (written == null) {
                  if (round >= MAX_POLICY_ROUNDS) {
                    throw new LockstepException(ErrorCode.UNAVAILABLE,
                        "key " + key + " is being changed by other devices right now; try again");
                  }
                  return writeAccount(spec, userId, deviceId, key, value, baseVersion, stamp, round + 1);
                }
                committed(userId, written);
                return Future.succeededFuture(accountReply(written.stored(), written.shadowedOn(), true));
              });
        }));
  }

  private Future<ConflictDecision> decide(SettingKey spec, String userId, String deviceId, String key, Object value,
                                          Long baseVersion, long stamp, AccountValue stored) {
    JsonObject request = new JsonObject()
        .put("key", key)
        .put("default", spec.defaultValue())
        .put("stored", stored == null ? null : stored.toPolicyJson())
        .put("incoming", new JsonObject().put("value", value).put("base_version", baseVersion).put("hlc", stamp)
            .put("device_id", deviceId).put("user_id", userId).put("server_hlc", clock.tick()));
    return vertx.eventBus().<JsonObject>request(Contract.CONFLICT_POLICY.address(spec.policy()), request,
            new DeliveryOptions().setSendTimeout(POLICY_TIMEOUT_MS))
        .map(Message::body)
        .map(ConflictDecision::fromJson)
        .recover(failure -> Future.failedFuture(policyFailure(spec, failure)));
  }

  private static LockstepException policyFailure(SettingKey spec, Throwable failure) {
    if (failure instanceof ReplyException reply && reply.failureType() == ReplyFailure.NO_HANDLERS) {
      return new LockstepException(ErrorCode.UNAVAILABLE, "conflict policy '" + spec.policy()
          + "' is not loaded; the write was not applied");
    }
    if (failure instanceof ReplyException reply && reply.failureType() == ReplyFailure.RECIPIENT_FAILURE) {
      return new LockstepException(ErrorCode.INVALID_FIELD, "field 'value' " + reply.getMessage());
    }
    return new LockstepException(ErrorCode.UNAVAILABLE, "conflict policy '" + spec.policy()
        + "' did not answer (" + failure.getMessage() + "); the write was not applied");
  }

  private static LockstepException conflict(SettingKey spec, String key, AccountValue stored) {
    JsonObject current = stored == null
        ? new JsonObject().put("key", key).put("value", spec.defaultValue()).put("version", 0)
        : stored.toJson().put("key", key);
    return new LockstepException(ErrorCode.CONFLICT, "the write to " + key + " lost under policy '" + spec.policy()
        + "'; the current value is in 'current'", new JsonObject().put("current", current));
  }

  private void committed(String userId, AccountWrite written) {
    if (!written.shadowedOn().isEmpty()) {
      metrics.settingsShadowed.increment(written.shadowedOn().size());
    }
    delivery.deliver(written.event(), null);
    BusService.publishLocally(vertx, ServerEvents.SETTINGS, new JsonObject().put("user_id", userId)
        .put("key", written.stored().key()).put("value", written.stored().value())
        .put("version", written.stored().version()).put("hlc", written.stored().hlc())
        .put("device_id", written.stored().deviceId()));
  }

  private JsonObject accountReply(AccountValue stored, List<String> shadowedOn, boolean changed) {
    JsonObject reply = stored.toJson().put("scope", Scope.ACCOUNT.wire()).put("key", stored.key()).put("changed", changed)
        .put("shadowed_on", new JsonArray(new ArrayList<>(shadowedOn)));
    return HlcStamps.put(reply, "server_hlc", clock.tick());
  }

  /**
   * {user_id, device_id?, keys?} → {account: {key: {value, version, hlc, device_id}}, device: {key:
   * {value, version}}, effective: {key: value}, server_hlc}. Without keys: every stored key and every
   * single-key default.
   */
  private Future<SettingsReply> get(GetSettings request) {
    String userId = request.caller().userId();
    String deviceId = request.caller().deviceId();
    List<String> keys = request.keys() == null ? List.of() : request.keys();
    keys.forEach(this::spec);
    return Future.all(store.accountAll(userId), store.deviceAll(deviceId)).map(both -> {
      Map<String, AccountValue> account = both.resultAt(0);
      Map<String, DeviceValue> device = both.resultAt(1);
      Set<String> names = new LinkedHashSet<>(keys);
      if (request.keys() == null) {
        config.keys().stream().filter(SettingKey::isSingleKey).forEach(spec -> names.add(spec.pattern()));
        names.addAll(account.keySet());
        names.addAll(device.keySet());
      }
      JsonObject accountJson = new JsonObject();
      JsonObject deviceJson = new JsonObject();
      JsonObject effective = new JsonObject();
      for (String name : names) {
        SettingKey spec = spec(name);
        AccountValue accountValue = account.get(name);
        DeviceValue deviceValue = device.get(name);
        if (accountValue != null) {
          accountJson.put(name, accountValue.toJson());
        }
        if (deviceValue != null) {
          deviceJson.put(name, deviceValue.toJson());
        }
        effective.put(name, effective(spec, accountValue, deviceValue));
      }
      return new SettingsReply(HlcStamps.put(new JsonObject().put("account", accountJson).put("device", deviceJson)
          .put("effective", effective), "server_hlc", clock.tick()));
    });
  }

  private static Object effective(SettingKey spec, AccountValue account, DeviceValue device) {
    if (device != null) {
      return device.value();
    }
    if (account != null && account.value() != null) {
      return account.value();
    }
    return spec.defaultValue();
  }

  private SettingKey spec(String key) {
    return config.keys().stream().filter(spec -> spec.matches(key)).findFirst()
        .orElseThrow(() -> Fields.invalid("key", "'" + key + "' is not a known setting"));
  }

  private static Scope scope(String scope) {
    try {
      return Scope.valueOf(scope.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw Fields.invalid("scope", "must be \"account\" or \"device\"");
    }
  }
}
