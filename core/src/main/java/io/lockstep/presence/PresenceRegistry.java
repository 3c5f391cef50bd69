package io.lockstep.presence;

import io.lockstep.metrics.LockstepMetrics;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Per-device presence and the connection registry, in Redis (soft state: rebuilt from the live
 * connections, never the source of truth).
 *
 * <p>Keys, all under the configured prefix and all expiring after the presence TTL unless refreshed:
 * <ul>
 *   <li>{@code presence:{user}:{device}} — hash {node, conn, since, last_seen} of a connected device
 *   (its newest connection), and {@code c:{conn}} = "node|expires_at_ms" for each of its live
 *   connections: a device with several sockets stays present until the last one closes;</li>
 *   <li>{@code routes:{user}} — hash connection id → "node|conn|expires_at_ms": which node holds each
 *   live connection. Entries past their expiry are ignored, so a crashed node's routes die
 *   with the TTL even while the user's other devices keep the hash alive;</li>
 *   <li>{@code node:{node}} — set of "device\tconnection\tuser" of the node's connections, so the
 *   survivors can remove a departed node's presence at once.</li>
 * </ul>
 * When Redis fails, the registry logs the outage once and its recovery once; the node's periodic
 * refresh rewrites every entry, which also rebuilds them after Redis lost its data.
 */
public final class PresenceRegistry {

  private static final RedisScript UNREGISTER = new RedisScript("/redis/unregister.lua");
  private static final RedisScript PURGE_NODE = new RedisScript("/redis/purge_node.lua");
  private static final Logger LOG = LoggerFactory.getLogger(PresenceRegistry.class);
  private static final int REFRESH_BATCH = 200;
  /** Prefixes of a presence hash's per-connection fields: liveness, and attention. */
  private static final String CONNECTION_FIELD = "c:";
  private static final String ATTENTION_FIELD = "a:";

  private final Redis redis;
  private final String prefix;
  private final String nodeId;
  private final Duration ttl;
  private final LockstepMetrics metrics;
  private volatile boolean available = true;

  public PresenceRegistry(Redis redis, String prefix, String nodeId, Duration ttl, LockstepMetrics metrics) {
    this.redis = redis;
    this.prefix = prefix;
    this.nodeId = nodeId;
    this.ttl = ttl;
    this.metrics = metrics;
  }

  /** One live device connection on this node. */
  /** attention: what the connection's client said of its user's attention, null until it says. */
  public record LiveConnection(String userId, String deviceId, String connectionId, long since, long lastSeen,
                               String attention) {
  }

  /** Attention states from the least to the most attentive. */
  private static final List<String> ATTENTION = List.of("idle", "background", "focused");

  public String nodeId() {
    return nodeId;
  }

  public Duration ttl() {
    return ttl;
  }

  /** Records the connection as present and routable to this node. */
  public Future<Void> register(LiveConnection connection) {
    return counted(redis.batch(writes(connection))).mapEmpty();
  }

  /**
   * Re-announces every live connection of this node, extending their TTLs (the node's heartbeat).
   * Sent in batches of {@value #REFRESH_BATCH} connections, one after another, so that a node with
   * tens of thousands of connections neither overflows the client's queue nor holds up the route
   * lookups of live deliveries behind one huge batch.
   */
  public Future<Void> refresh(Collection<LiveConnection> connections) {
    List<LiveConnection> all = List.copyOf(connections);
    Future<Void> chain = Future.succeededFuture();
    for (int from = 0; from < all.size(); from += REFRESH_BATCH) {
      List<LiveConnection> slice = all.subList(from, Math.min(all.size(), from + REFRESH_BATCH));
      chain = chain.compose(v -> {
        List<Request> requests = new ArrayList<>(slice.size() * 6);
        slice.forEach(connection -> requests.addAll(writes(connection)));
        return counted(redis.batch(requests)).mapEmpty();
      });
    }
    return chain;
  }

  /**
   * Records the attention the connection declared in its device's presence, leaving which connection is
   * the newest as it is.
   */
  public Future<Void> attention(LiveConnection connection) {
    return counted(redis.send(Request.cmd(Command.HSET).arg(presenceKey(connection.userId(), connection.deviceId()))
        .arg(ATTENTION_FIELD + connection.connectionId()).arg(connection.attention()))).mapEmpty();
  }

  /** Removes the connection's route and its share of the device's presence (the device stays while another is live). */
  public Future<Void> unregister(LiveConnection connection) {
    return counted(UNREGISTER.run(redis,
        List.of(presenceKey(connection.userId(), connection.deviceId()), routesKey(connection.userId()), nodeKey(nodeId)),
        List.of(connection.connectionId(), nodeMember(connection), String.valueOf(System.currentTimeMillis()))))
        .mapEmpty();
  }

  /** Removes every presence and route that a departed node registered; answers how many. */
  public Future<Integer> purgeNode(String departedNode) {
    return counted(PURGE_NODE.run(redis, List.of(nodeKey(departedNode)),
        List.of(prefix, String.valueOf(System.currentTimeMillis())))).map(Response::toInteger);
  }

  /** The nodes holding live connections of each user; users with none are absent. */
  public Future<Map<String, Set<String>>> nodesOf(Collection<String> users) {
    List<String> ordered = new ArrayList<>(users);
    List<Request> requests = new ArrayList<>(ordered.size());
    ordered.forEach(user -> requests.add(Request.cmd(Command.HVALS).arg(routesKey(user))));
    long now = System.currentTimeMillis();
    return counted(redis.batch(requests)).map(responses -> {
      Map<String, Set<String>> nodes = new HashMap<>();
      for (int i = 0; i < ordered.size(); i++) {
        Response routes = responses.get(i);
        if (routes == null) {
          continue;
        }
        for (Response route : routes) {
          String[] parts = route.toString().split("\\|");
          if (parts.length == 3 && Long.parseLong(parts[2]) > now) {
            nodes.computeIfAbsent(ordered.get(i), key -> new HashSet<>()).add(parts[0]);
          }
        }
      }
      return nodes;
    });
  }

  /** Publishes this node's figures for the console: {prefix}nodes is a hash of node id -> JSON. */
  public Future<Void> publishNodeStats(JsonObject stats) {
    String key = prefix + "nodes";
    return counted(redis.batch(List.of(
        Request.cmd(Command.HSET).arg(key).arg(nodeId).arg(stats.encode()),
        Request.cmd(Command.PEXPIRE).arg(key).arg(Math.max(60_000, ttl.toMillis() * 2))))).mapEmpty();
  }

  /** The figures every node published within maxAgeMs, by node id. */
  public Future<List<JsonObject>> nodeStats(long maxAgeMs) {
    long now = System.currentTimeMillis();
    return counted(redis.send(Request.cmd(Command.HVALS).arg(prefix + "nodes"))).map(values -> {
      List<JsonObject> nodes = new ArrayList<>();
      if (values != null) {
        for (Response value : values) {
          JsonObject stats = new JsonObject(value.toString());
          if (now - stats.getLong("updated", 0L) <= maxAgeMs) {
            nodes.add(stats);
          }
        }
      }
      nodes.sort(java.util.Comparator.comparing(stats -> stats.getString("node")));
      return nodes;
    });
  }

  /**
   * Presence of each of the user's given devices: {node, conn, since, last_seen, connections, attention}
   * for those connected (node and conn of the newest connection; connections: how many are live;
   * attention: the most attentive state its live connections declared, absent if none did).
   */
  public Future<Map<String, JsonObject>> presenceOf(String userId, List<String> deviceIds) {
    List<Request> requests = new ArrayList<>(deviceIds.size());
    deviceIds.forEach(device -> requests.add(Request.cmd(Command.HGETALL).arg(presenceKey(userId, device))));
    long now = System.currentTimeMillis();
    return counted(redis.batch(requests)).map(responses -> {
      Map<String, JsonObject> present = new HashMap<>();
      for (int i = 0; i < deviceIds.size(); i++) {
        Response hash = responses.get(i);
        if (hash == null || hash.size() == 0) {
          continue;
        }
        JsonObject entry = new JsonObject();
        Set<String> live = new HashSet<>();
        for (String field : hash.getKeys()) {
          String value = hash.get(field).toString();
          if (field.startsWith(CONNECTION_FIELD)) {
            if (Long.parseLong(value.substring(value.lastIndexOf('|') + 1)) > now) {
              live.add(field.substring(CONNECTION_FIELD.length()));
            }
          } else if (!field.startsWith(ATTENTION_FIELD)) {
            entry.put(field, field.equals("since") || field.equals("last_seen") ? Long.valueOf(value) : value);
          }
        }
        int attention = -1;
        for (String connection : live) {
          Response declared = hash.get(ATTENTION_FIELD + connection);
          attention = Math.max(attention, declared == null ? -1 : ATTENTION.indexOf(declared.toString()));
        }
        if (attention >= 0) {
          entry.put("attention", ATTENTION.get(attention));
        }
        if (!live.isEmpty()) {
          present.put(deviceIds.get(i), entry.put("connections", live.size()));
        }
      }
      return present;
    });
  }

  private List<Request> writes(LiveConnection connection) {
    String presence = presenceKey(connection.userId(), connection.deviceId());
    String routes = routesKey(connection.userId());
    long ttlMs = ttl.toMillis();
    long expiresAt = System.currentTimeMillis() + ttlMs;
    Request fields = Request.cmd(Command.HSET).arg(presence)
        .arg("node").arg(nodeId).arg("conn").arg(connection.connectionId())
        .arg("since").arg(connection.since()).arg("last_seen").arg(connection.lastSeen())
        .arg(CONNECTION_FIELD + connection.connectionId()).arg(nodeId + "|" + expiresAt);
    if (connection.attention() != null) {
      fields.arg(ATTENTION_FIELD + connection.connectionId()).arg(connection.attention());
    }
    return List.of(
        fields,
        Request.cmd(Command.PEXPIRE).arg(presence).arg(ttlMs),
        Request.cmd(Command.HSET).arg(routes).arg(connection.connectionId())
            .arg(nodeId + "|" + connection.connectionId() + "|" + expiresAt),
        Request.cmd(Command.PEXPIRE).arg(routes).arg(ttlMs),
        Request.cmd(Command.SADD).arg(nodeKey(nodeId)).arg(nodeMember(connection)),
        Request.cmd(Command.PEXPIRE).arg(nodeKey(nodeId)).arg(ttlMs));
  }

  private String nodeKey(String node) {
    return prefix + "node:" + node;
  }

  private static String nodeMember(LiveConnection connection) {
    return connection.deviceId() + "\t" + connection.connectionId() + "\t" + connection.userId();
  }

  private String presenceKey(String userId, String deviceId) {
    return prefix + "presence:" + userId + ":" + deviceId;
  }

  private String routesKey(String userId) {
    return prefix + "routes:" + userId;
  }

  private <T> Future<T> counted(Future<T> operation) {
    return operation.onComplete(done -> {
      if (done.failed()) {
        metrics.redisErrors.increment();
        if (available) {
          available = false;
          LOG.warn("Redis is unavailable ({}): live events go to every node and presence is stale until it returns",
              done.cause().getMessage());
        }
      } else if (!available) {
        available = true;
        LOG.info("Redis is back; every node re-registers its live connections at its next presence refresh");
      }
    });
  }
}
