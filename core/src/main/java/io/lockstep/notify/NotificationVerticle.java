package io.lockstep.notify;

import io.lockstep.config.LockstepConfig.Preview;
import io.lockstep.config.LockstepConfig.PushConfig;
import io.lockstep.config.LockstepConfig.Routing;
import io.lockstep.config.SettingKey;
import io.lockstep.metrics.LockstepMetrics;
import io.lockstep.plugin.ServerEvents;
import io.lockstep.presence.PresenceRegistry;
import io.lockstep.store.PushStore;
import io.lockstep.store.PushStore.MessageAudience;
import io.lockstep.store.PushStore.Push;
import io.lockstep.store.PushStore.Recipient;
import io.lockstep.store.PushStore.UserDevice;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Turns this node's committed changes into pushes: a message becomes a push to each recipient device
 * that is not connected, has a token and has not muted the conversation, on the steps of the attention
 * ladder ({@link PushLadder}: nothing at once while the user looks at a device); a read-state change becomes
 * a silent badge update to the user's other devices that are not connected. Pushes go into the outbox,
 * where a device's pending push absorbs the ones that follow within the coalescing window and shows the
 * newest message (by the user's log position, whatever order the enqueues land in). Knows no
 * provider: the outbox workers hand pushes to whichever plugin serves the device's provider.
 * Deployed once per node (it listens to the node's local server events).
 */
public final class NotificationVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(NotificationVerticle.class);

  private final PushConfig config;
  private final List<SettingKey> settingKeys;
  private final Pool pool;
  private final PresenceRegistry presence;
  private final LockstepMetrics metrics;
  private PushStore store;
  /** Streams inside their push window, with the newest message that arrived during it. */
  private final Map<String, Optional<JsonObject>> streamWindows = new HashMap<>();

  public NotificationVerticle(PushConfig config, List<SettingKey> settingKeys, Pool pool, PresenceRegistry presence,
                              LockstepMetrics metrics) {
    this.config = config;
    this.settingKeys = settingKeys;
    this.pool = pool;
    this.presence = presence;
    this.metrics = metrics;
  }

  @Override
  public Future<?> start() {
    store = new PushStore(pool);
    return Future.all(
        vertx.eventBus().<JsonObject>localConsumer(ServerEvents.MESSAGE, event -> logFailure(onMessage(event.body())))
            .completion(),
        vertx.eventBus().<JsonObject>localConsumer(ServerEvents.READ_STATE, event -> logFailure(onReadState(event.body())))
            .completion());
  }

  private void logFailure(Future<Void> enqueued) {
    enqueued.onFailure(failure -> LOG.warn("a push could not be queued: {}", failure.getMessage()));
  }

  private Future<Void> onMessage(JsonObject event) {
    if (event.getBoolean("stream", false)) {
      return throttleStream(event);
    }
    String conversationId = event.getString("conversation_id");
    String sender = event.getJsonObject("sender").getString("user_id");
    Set<String> recipients = new HashSet<>();
    event.getJsonArray("members").forEach(member -> recipients.add((String) member));
    recipients.remove(sender);
    if (recipients.isEmpty()) {
      return Future.succeededFuture();
    }
    String muteKey = "conversation." + conversationId + ".muted";
    return store.messageAudience(recipients, sender, muteKey, muteDefault(muteKey))
        .compose(audience -> ladder(audience)
            .compose(steps -> pushMessage(event, steps, audience.senderName(), userSeqs(event))));
  }

  /** Each recipient's devices on the steps of the push ladder (see {@link PushLadder}), all users merged. */
  private Future<List<List<Recipient>>> ladder(MessageAudience audience) {
    List<Future<List<List<UserDevice>>>> perUser = new ArrayList<>(audience.byUser().size());
    audience.byUser().forEach((user, devices) -> {
      Routing routing = Routing.named(audience.routing().get(user)).orElse(config.routing());
      perUser.add(presence.presenceOf(user, devices.stream().map(UserDevice::deviceId).toList())
          .otherwise(Map.of())
          .map(live -> PushLadder.steps(devices, live, routing)));
    });
    return Future.all(perUser).map(all -> {
      List<List<Recipient>> steps = new ArrayList<>();
      for (int i = 0; i < all.size(); i++) {
        List<List<UserDevice>> userSteps = all.resultAt(i);
        for (int step = 0; step < userSteps.size(); step++) {
          if (steps.size() <= step) {
            steps.add(new ArrayList<>());
          }
          List<Recipient> due = steps.get(step);
          userSteps.get(step).forEach(device -> due.add(new Recipient(device.userId(), device.deviceId())));
        }
      }
      return steps;
    });
  }

  /**
   * The message push, step by step of the ladder (steps.get(n) is due after n × escalate_after, the
   * first after the coalescing window); userSeqs orders it against a pending push (a stream's message has
   * none and replaces what is pending).
   */
  private Future<Void> pushMessage(JsonObject event, List<List<Recipient>> steps, String senderName,
                                   Map<String, Long> userSeqs) {
    String sender = event.getJsonObject("sender").getString("user_id");
    Push push = new Push("message", event.getString("conversation_id"), event.getLong("conv_seq"), sender,
        config.preview() == Preview.NONE ? null : senderName == null ? sender : senderName,
        notificationText(event.getJsonObject("body")), false, userSeqs);
    List<Future<Void>> enqueued = new ArrayList<>(steps.size());
    for (int step = 0; step < steps.size(); step++) {
      enqueued.add(enqueue(steps.get(step), push, step));
    }
    return Future.all(enqueued).mapEmpty();
  }

  /**
   * A stream's messages are pushed at most once per coalescing window per conversation: the first at
   * once, the newest of those that follow when the window ends. Each push goes to every offline
   * member device that has not read the message, so a busy large conversation costs one recipient
   * query per window, not one per message.
   */
  private Future<Void> throttleStream(JsonObject event) {
    String conversationId = event.getString("conversation_id");
    if (streamWindows.containsKey(conversationId)) {
      streamWindows.put(conversationId, Optional.of(event));
      return Future.succeededFuture();
    }
    streamWindows.put(conversationId, Optional.empty());
    vertx.setTimer(Math.max(1, config.coalesceWindow().toMillis()), timer -> {
      Optional<JsonObject> newest = streamWindows.remove(conversationId);
      newest.ifPresent(next -> logFailure(throttleStream(next)));
    });
    return pushStream(event);
  }

  private Future<Void> pushStream(JsonObject event) {
    String conversationId = event.getString("conversation_id");
    String sender = event.getJsonObject("sender").getString("user_id");
    String muteKey = "conversation." + conversationId + ".muted";
    return store.streamRecipients(conversationId, event.getLong("conv_seq"), sender, muteKey, muteDefault(muteKey))
        .compose(found -> offline(found.devices())
            .compose(devices -> pushMessage(event, List.of(devices), found.senderName(), Map.of())));
  }

  private Future<Void> onReadState(JsonObject event) {
    String userId = event.getString("user_id");
    String conversationId = event.getString("conversation_id");
    boolean conversationRead = event.getLong("unread", 0L) == 0 && !event.getBoolean("marked_unread", false);
    return store.otherDevicesWithToken(userId, event.getString("device_id"))
        .compose(this::offline)
        .compose(devices -> enqueue(devices, new Push("badge", conversationId, null, null, null, null, conversationRead,
            Map.of()), 0));
  }

  /** Each member's user-log position of the message: the order in which one user's messages happened. */
  private static Map<String, Long> userSeqs(JsonObject event) {
    JsonArray members = event.getJsonArray("members");
    JsonArray seqs = event.getJsonArray("member_seqs", new JsonArray());
    Map<String, Long> byUser = new HashMap<>(members.size() * 2);
    for (int i = 0; i < members.size() && i < seqs.size(); i++) {
      byUser.put(members.getString(i), seqs.getLong(i));
    }
    return byUser;
  }

  /** Queues the push for the devices, due after the coalescing window (step 0) or step × escalate_after. */
  private Future<Void> enqueue(List<Recipient> devices, Push push, int step) {
    if (devices.isEmpty()) {
      return Future.succeededFuture();
    }
    Duration delay = step == 0 ? config.coalesceWindow() : config.escalateAfter().multipliedBy(step);
    return store.enqueue(devices, push, delay).map(coalesced -> {
      metrics.pushEnqueued.increment(devices.size() - coalesced);
      metrics.pushCoalesced.increment(coalesced);
      return null;
    });
  }

  /**
   * The devices that are not connected anywhere in the cluster. When Redis cannot say, every device
   * counts as offline: a notification too many is better than a message nobody hears of.
   */
  private Future<List<Recipient>> offline(List<Recipient> candidates) {
    if (candidates.isEmpty()) {
      return Future.succeededFuture(List.of());
    }
    Map<String, List<Recipient>> byUser = new LinkedHashMap<>();
    candidates.forEach(device -> byUser.computeIfAbsent(device.userId(), user -> new ArrayList<>()).add(device));
    List<Future<List<Recipient>>> perUser = new ArrayList<>(byUser.size());
    byUser.forEach((user, devices) -> perUser.add(
        presence.presenceOf(user, devices.stream().map(Recipient::deviceId).toList())
            .map(live -> devices.stream().filter(device -> !live.containsKey(device.deviceId())).toList())
            .otherwise(devices)));
    return Future.all(perUser).map(all -> {
      List<Recipient> offline = new ArrayList<>();
      for (int i = 0; i < all.size(); i++) {
        offline.addAll(all.<List<Recipient>>resultAt(i));
      }
      return offline;
    });
  }

  private Object muteDefault(String muteKey) {
    return settingKeys.stream().filter(key -> key.matches(muteKey)).findFirst().map(SettingKey::defaultValue)
        .orElse(false);
  }

  /** The notification's text under the preview setting: the message's "text", cut to the preview length. */
  private String notificationText(JsonObject body) {
    Object text = body == null ? null : body.getValue("text");
    if (config.preview() != Preview.TEXT || !(text instanceof String message) || message.isBlank()) {
      return config.genericText();
    }
    if (message.length() <= config.previewLength()) {
      return message;
    }
    int end = config.previewLength();
    if (Character.isHighSurrogate(message.charAt(end - 1))) {
      end--;
    }
    return message.substring(0, end) + "…";
  }
}
