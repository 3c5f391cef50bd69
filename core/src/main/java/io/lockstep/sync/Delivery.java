package io.lockstep.sync;

import io.lockstep.metrics.LockstepMetrics;
import io.lockstep.presence.PresenceRegistry;
import io.lockstep.store.LogStore.Appended;
import io.lockstep.store.LogStore.StreamMessage;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Sends committed events to the nodes that hold the affected users' live connections, found through
 * the Redis routing table: {@code lockstep.node.<nodeId>.deliver} (a single node sends to itself). When Redis cannot answer, the
 * events are published to every node on {@code lockstep.deliver.all} instead (slower, never lost:
 * the log is in PostgreSQL and sessions fill gaps from it).
 *
 * <p>Payload: {@code {users: {user_id: [{seq, ts, kind, tail, revokes?}, ...]}, origin?: {device_id, at}}},
 * events in ascending seq per user; tail is the frame's text after its seq, as the database built it
 * (io.lockstep.protocol.EventFrames), and revokes the device a device/revoked event revokes.
 */
public final class Delivery {

  public static final String BROADCAST = "lockstep.deliver.all";
  /**
   * Where every stream event goes, to every node: {conversation_id, seq, ts, sender_user, tail_own,
   * tail_other}. Each node hands it to its sessions reading that stream; no per-member lookup, so a
   * message costs the same whatever the size of its conversation.
   */
  public static final String STREAMS = "lockstep.deliver.streams";
  private static final Logger LOG = LoggerFactory.getLogger(Delivery.class);

  private final Vertx vertx;
  private final PresenceRegistry presence;
  private final LockstepMetrics metrics;

  public Delivery(Vertx vertx, PresenceRegistry presence, LockstepMetrics metrics) {
    this.vertx = vertx;
    this.presence = presence;
    this.metrics = metrics;
  }

  public static String nodeAddress(String nodeId) {
    return "lockstep.node." + nodeId + ".deliver";
  }

  /**
   * Where and when a change came from, so that the receiving node can measure how long it took to
   * reach the user's other devices.
   */
  public record Origin(String deviceId, long atMillis) {
    JsonObject toJson() {
      return new JsonObject().put("device_id", deviceId).put("at", atMillis);
    }
  }

  /** Delivers a message of a stream to every node's sessions reading that stream. */
  public void deliverStream(StreamMessage message) {
    metrics.streamEventsWritten.increment();
    vertx.eventBus().publish(STREAMS, new JsonObject().put("conversation_id", message.conversationId())
        .put("seq", message.seq()).put("ts", message.ts()).put("sender_user", message.senderUser())
        .put("tail_own", message.tailOwn()).put("tail_other", message.tailOther()));
  }

  /** Delivers one appended event; revokedDevice names the device it revokes, else null. */
  public void deliver(Appended appended, String revokedDevice) {
    deliver(List.of(appended), revokedDevice, null);
  }

  /** Delivers events appended by a SQL function (lockstep_append_json objects); origin may be null. */
  public void deliverRows(JsonArray appended, Origin origin) {
    List<Appended> events = new ArrayList<>(appended.size());
    appended.forEach(json -> events.add(Appended.fromJson((JsonObject) json)));
    deliver(events, null, origin);
  }

  /**
   * Delivers appended events by user; origin may be null. A node that is not clustered holds every
   * connection there is, so it delivers to itself without asking Redis.
   */
  public void deliver(List<Appended> appended, String revokedDevice, Origin origin) {
    Map<String, List<JsonObject>> eventsByUser = new HashMap<>();
    for (Appended event : appended) {
      for (int i = 0; i < event.users().size(); i++) {
        JsonObject live = new JsonObject().put("seq", event.seqs().get(i)).put("ts", event.ts())
            .put("kind", event.kind()).put("tail", event.tail());
        if (revokedDevice != null) {
          live.put("revokes", revokedDevice);
        }
        eventsByUser.computeIfAbsent(event.users().get(i), user -> new ArrayList<>(1)).add(live);
      }
      metrics.eventsWritten.increment(event.users().size());
    }
    if (eventsByUser.isEmpty()) {
      return;
    }
    eventsByUser.values().forEach(events -> events.sort(Comparator.comparingLong(event -> event.getLong("seq"))));
    if (!vertx.isClustered()) {
      vertx.eventBus().publish(nodeAddress(presence.nodeId()), payload(eventsByUser, origin));
      return;
    }
    presence.nodesOf(eventsByUser.keySet()).onComplete(lookup -> {
      if (lookup.failed()) {
        metrics.deliveryFallbacks.increment();
        LOG.debug("Redis routing lookup failed ({}); broadcasting live events to every node", lookup.cause().getMessage());
        vertx.eventBus().publish(BROADCAST, payload(eventsByUser, origin));
        return;
      }
      Map<String, Map<String, List<JsonObject>>> byNode = new HashMap<>();
      lookup.result().forEach((user, nodes) -> {
        for (String node : nodes) {
          byNode.computeIfAbsent(node, key -> new HashMap<>()).put(user, eventsByUser.get(user));
        }
      });
      byNode.forEach((node, events) -> vertx.eventBus().publish(nodeAddress(node), payload(events, origin)));
    });
  }

  private static JsonObject payload(Map<String, List<JsonObject>> eventsByUser, Origin origin) {
    JsonObject users = new JsonObject();
    eventsByUser.forEach((user, events) -> users.put(user, new JsonArray(events)));
    JsonObject payload = new JsonObject().put("users", users);
    return origin == null ? payload : payload.put("origin", origin.toJson());
  }
}
