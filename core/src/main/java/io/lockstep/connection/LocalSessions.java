package io.lockstep.connection;

import io.lockstep.config.LockstepConfig.PerDevice;
import io.lockstep.metrics.LockstepMetrics;
import io.lockstep.presence.PresenceRegistry;
import io.lockstep.protocol.EventFrames;
import io.lockstep.protocol.Events;
import io.lockstep.presence.PresenceRegistry.LiveConnection;
import io.lockstep.store.DeviceStore;
import io.lockstep.store.StreamStore;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The sessions of one connection-verticle instance, by user and by the streams they read, confined to
 * its event loop. It hands delivered events to the sessions of their user (stream events to the
 * sessions reading that stream), keeps their presence and routes alive in Redis,
 * and closes connections that stopped sending heartbeats.
 */
final class LocalSessions implements SessionHost {

  private static final Logger LOG = LoggerFactory.getLogger(LocalSessions.class);

  /** Where a newer socket of a device announces itself to every node, under session.per_device: replace. */
  static final String REPLACE_ADDRESS = "lockstep.sessions.replace";

  private final Vertx vertx;
  private final PresenceRegistry presence;
  private final DeviceStore devices;
  private final PerDevice perDevice;
  private final LockstepMetrics metrics;
  private final Set<DeviceSession> all = new LinkedHashSet<>();
  private final Map<String, List<DeviceSession>> byUser = new HashMap<>();
  private final Map<String, Set<DeviceSession>> byStream = new HashMap<>();
  private final StreamStore streams;

  LocalSessions(Vertx vertx, PresenceRegistry presence, DeviceStore devices, StreamStore streams, PerDevice perDevice,
                LockstepMetrics metrics) {
    this.vertx = vertx;
    this.streams = streams;
    this.presence = presence;
    this.devices = devices;
    this.perDevice = perDevice;
    this.metrics = metrics;
  }

  void opened(DeviceSession session) {
    all.add(session);
    metrics.connectionOpened();
  }

  @Override
  public Future<Void> register(DeviceSession session) {
    byUser.computeIfAbsent(session.userId(), user -> new ArrayList<>(2)).add(session);
    metrics.deviceOnline();
    if (perDevice == PerDevice.REPLACE) {
      vertx.eventBus().publish(REPLACE_ADDRESS, new JsonObject().put("user_id", session.userId())
          .put("device_id", session.deviceId()).put("connection_id", session.connectionId())
          .put("welcomed_at", session.welcomedAt()));
    }
    return presence.register(connection(session)).recover(failure -> {
      LOG.warn("could not register device {} in Redis ({}); it is served, live events reach it by broadcast or resync",
          session.deviceId(), failure.getMessage());
      return Future.succeededFuture();
    });
  }

  @Override
  public Future<Void> unregister(DeviceSession session, boolean registered) {
    if (!all.remove(session)) {
      return Future.succeededFuture();
    }
    metrics.connectionClosed();
    if (session.userId() == null) {
      return Future.succeededFuture();
    }
    List<DeviceSession> sessions = byUser.get(session.userId());
    if (sessions != null && sessions.remove(session)) {
      metrics.deviceOffline();
      if (sessions.isEmpty()) {
        byUser.remove(session.userId());
      }
    }
    if (!registered) {
      return Future.succeededFuture();
    }
    devices.markSeen(List.of(session.deviceId()));
    if (DeviceSession.FOCUSED.equals(session.attention())) {
      devices.markAttention(session.deviceId(), null, DeviceSession.FOCUSED);
    }
    return presence.unregister(connection(session)).recover(failure -> Future.succeededFuture());
  }

  @Override
  public Future<Void> attention(DeviceSession session, String previous) {
    return Future.all(presence.attention(connection(session)), devices.markAttention(session.deviceId(),
        session.attention(), previous)).mapEmpty();
  }

  @Override
  public void readStream(DeviceSession session, String conversationId) {
    byStream.computeIfAbsent(conversationId, id -> new LinkedHashSet<>()).add(session);
  }

  @Override
  public void stopReading(DeviceSession session, String conversationId) {
    Set<DeviceSession> readers = byStream.get(conversationId);
    if (readers != null && readers.remove(session) && readers.isEmpty()) {
      byStream.remove(conversationId);
    }
  }

  /**
   * A stream event {conversation_id, seq, ts, sender_user, tail_own, tail_other} (io.lockstep.sync.Delivery):
   * to each local session reading that stream, its frame built once for the sender's user and once
   * for everyone else.
   */
  void deliverStream(JsonObject event) {
    String conversationId = event.getString("conversation_id");
    Set<DeviceSession> readers = byStream.get(conversationId);
    if (readers == null) {
      return;
    }
    String sender = event.getString("sender_user");
    Map<String, List<LiveEvent>> byTail = new HashMap<>(2);
    for (DeviceSession session : List.copyOf(readers)) {
      String tail = sender.equals(session.userId()) ? "tail_own" : "tail_other";
      session.onStreamLive(conversationId, byTail.computeIfAbsent(tail, key -> List.of(new LiveEvent(
          event.getLong("seq"), event.getLong("ts"), Events.MESSAGE,
          EventFrames.streamFrame(conversationId, event.getLong("seq"), event.getString(key)), null))));
    }
  }

  /**
   * A delivery payload {users: {user_id: [events]}, origin?}: each event goes to every local session
   * of its user. A read_state event that carries its origin is timed to each other device it reaches.
   */
  void deliver(JsonObject payload) {
    JsonObject users = payload.getJsonObject("users");
    JsonObject origin = payload.getJsonObject("origin");
    metrics.deliveriesReceived.increment(users.size());
    for (String user : users.fieldNames()) {
      List<DeviceSession> sessions = byUser.get(user);
      if (sessions == null) {
        continue;
      }
      JsonArray events = users.getJsonArray(user);
      List<LiveEvent> live = new ArrayList<>(events.size());
      for (int i = 0; i < events.size(); i++) {
        live.add(LiveEvent.of(events.getJsonObject(i)));
      }
      for (DeviceSession session : List.copyOf(sessions)) {
        session.onLive(live);
        if (origin != null && !origin.getString("device_id").equals(session.deviceId()) && carriesReadState(live)) {
          metrics.readPropagation.record(System.currentTimeMillis() - origin.getLong("at"), TimeUnit.MILLISECONDS);
        }
      }
    }
  }

  private static boolean carriesReadState(List<LiveEvent> events) {
    for (LiveEvent event : events) {
      if (Events.READ_STATE.equals(event.kind())) {
        return true;
      }
    }
    return false;
  }

  /**
   * This instance's share of the node heartbeat: extends the presence and routes of every ready
   * session (rewriting them if Redis lost them), and checks each user's head so that a session that
   * missed a live event (routing was down) catches up now instead of at its next event.
   */
  Future<Void> refreshPresence() {
    List<LiveConnection> live = new ArrayList<>();
    List<String> deviceIds = new ArrayList<>();
    for (DeviceSession session : all) {
      if (session.isReady()) {
        live.add(connection(session));
        deviceIds.add(session.deviceId());
      }
    }
    if (live.isEmpty()) {
      return Future.succeededFuture();
    }
    Future<Void> heads = devices.heads(List.copyOf(byUser.keySet())).map(byHead -> {
      byHead.forEach((user, head) -> byUser.getOrDefault(user, List.of()).forEach(session -> session.onHead(head)));
      return null;
    });
    Future<Void> streamHeads = byStream.isEmpty() ? Future.succeededFuture() : streams.heads(List.copyOf(byStream.keySet()))
        .map(byHead -> {
          byHead.forEach((conversation, head) -> List.copyOf(byStream.getOrDefault(conversation, Set.of()))
              .forEach(session -> session.onStreamHead(conversation, head)));
          return null;
        });
    return Future.all(presence.refresh(live), devices.refreshSeen(deviceIds), heads, streamHeads).mapEmpty();
  }

  /**
   * Closes this instance's older sockets of a device that a newer socket replaced (session.per_device:
   * replace): those welcomed before the newer one, with 4009 "replaced".
   */
  void replace(JsonObject newer) {
    String userId = newer.getString("user_id");
    String deviceId = newer.getString("device_id");
    String newerConnection = newer.getString("connection_id");
    long newerWelcomedAt = newer.getLong("welcomed_at");
    for (DeviceSession session : List.copyOf(byUser.getOrDefault(userId, List.of()))) {
      boolean older = session.welcomedAt() < newerWelcomedAt
          || session.welcomedAt() == newerWelcomedAt && session.connectionId().compareTo(newerConnection) < 0;
      if (deviceId.equals(session.deviceId()) && !session.connectionId().equals(newerConnection) && older) {
        session.close(DeviceSession.REPLACED, "replaced");
      }
    }
  }

  /**
   * An operator's disconnect {user_id, device_id?}: closes this instance's sessions of that device, or
   * of every device of the user, with 4010.
   */
  void disconnect(JsonObject order) {
    String deviceId = order.getString("device_id");
    for (DeviceSession session : List.copyOf(byUser.getOrDefault(order.getString("user_id"), List.of()))) {
      if (deviceId == null || deviceId.equals(session.deviceId())) {
        session.close(OperatorDisconnect.CLOSE_CODE, OperatorDisconnect.REASON);
      }
    }
  }

  /** Closes connections that sent nothing for longer than the limit (code 4000). */
  void closeSilent(long silentLimitMs) {
    long now = System.currentTimeMillis();
    for (DeviceSession session : List.copyOf(all)) {
      if (now - session.lastFrameAt() > silentLimitMs) {
        session.close(4000, "no frame within twice the heartbeat interval");
      }
    }
  }

  /** Closes every connection (server shutdown) and removes their presence from Redis. */
  Future<Void> closeAll() {
    List<Future<Void>> removals = new ArrayList<>();
    for (DeviceSession session : List.copyOf(all)) {
      removals.add(session.close(1001, "server shutting down"));
    }
    return Future.all(removals).mapEmpty();
  }

  private static LiveConnection connection(DeviceSession session) {
    return new LiveConnection(session.userId(), session.deviceId(), session.connectionId(), session.openedAt(),
        session.lastFrameAt(), session.attention());
  }
}
