package io.lockstep.connection;

import io.lockstep.store.StreamStore.Position;
import io.vertx.core.json.JsonObject;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.function.Consumer;

/**
 * The streams one session reads (a client that said "streams": true), one {@link DeliveryStream} per
 * large conversation of its user. Streams open from the welcome's positions and as the user's log
 * shows the user joining a stream or a conversation becoming one; they close when the user leaves.
 * Their backlogs start once the user log's own catch-up is done, so a client sees a conversation's
 * messages from before a conversion (in its log) before the stream's. Confined to the connection's
 * event loop.
 */
final class StreamReaders {

  private final String userId;
  private final long welcomeHead;
  private final BiFunction<String, Long, DeliveryStream> opener;
  private final Consumer<String> closer;
  private final Map<String, DeliveryStream> open = new HashMap<>();
  private final Map<String, Long> startAfter = new HashMap<>();
  private boolean logCaughtUp;

  /**
   * @param welcomeHead the user's head when the welcome's positions were read: earlier events are in them
   * @param opener opens the delivery of one stream after a position (not started), registered for live events
   * @param closer removes the session from the live events of a stream
   */
  StreamReaders(String userId, long welcomeHead, BiFunction<String, Long, DeliveryStream> opener,
                Consumer<String> closer) {
    this.userId = userId;
    this.welcomeHead = welcomeHead;
    this.opener = opener;
    this.closer = closer;
  }

  Set<String> conversationIds() {
    return open.keySet();
  }

  /** The streams of the welcome, each to continue after the device's position. */
  void openAll(Iterable<Position> positions) {
    positions.forEach(position -> open(position.conversationId(), position.position()));
  }

  /**
   * A snapshot showed each conversation up to its head: a stream continues after it if it is behind
   * (a new device, or one reset by retention), so nothing in the snapshot arrives again.
   */
  void snapshotShowed(Map<String, Long> heads) {
    heads.forEach((conversationId, head) -> {
      Long pending = startAfter.get(conversationId);
      if (pending != null) {
        startAfter.put(conversationId, Math.max(pending, head));
      }
      DeliveryStream stream = open.get(conversationId);
      if (stream != null && pending == null) {
        stream.skipTo(head);
      }
    });
  }

  /** The user log's catch-up is done: the streams' backlogs follow. */
  void logCaughtUp() {
    logCaughtUp = true;
    startAfter.forEach((conversationId, position) -> open.get(conversationId).startAfter(position));
    startAfter.clear();
  }

  /**
   * A conversation event of the user's log: a stream the user joined (or a group that became one)
   * opens, one the user left closes. Events up to the welcome's head are already reflected in the
   * welcome's positions (a catch-up replays joins and leaves long undone).
   */
  void conversationEvent(JsonObject event) {
    JsonObject data = event.getJsonObject("data");
    JsonObject conversation = data == null ? null : data.getJsonObject("conversation");
    if (event.getLong("seq", 0L) <= welcomeHead || conversation == null || !conversation.getBoolean("stream", false)) {
      return;
    }
    String conversationId = conversation.getString("conversation_id");
    String action = data.getString("action");
    if ("member_removed".equals(action) && userId.equals(data.getString("user_id"))) {
      close(conversationId);
    } else if ("converted".equals(action)) {
      open(conversationId, conversation.getLong("stream_from") - 1);
    } else if ("created".equals(action) || "member_added".equals(action) && joined(data)) {
      open(conversationId, conversation.getLong("head"));
    }
  }

  private boolean joined(JsonObject data) {
    return userId.equals(data.getString("user_id"))
        || data.getJsonArray("user_ids") != null && data.getJsonArray("user_ids").contains(userId);
  }

  DeliveryStream get(String conversationId) {
    return open.get(conversationId);
  }

  void closeAll() {
    open.values().forEach(DeliveryStream::close);
    open.keySet().forEach(closer);
    open.clear();
    startAfter.clear();
  }

  private void open(String conversationId, long position) {
    if (open.containsKey(conversationId)) {
      return;
    }
    DeliveryStream stream = opener.apply(conversationId, position);
    open.put(conversationId, stream);
    if (logCaughtUp) {
      stream.startAfter(position);
    } else {
      startAfter.put(conversationId, position);
    }
  }

  /** Stops reading a stream (the user left it). */
  void close(String conversationId) {
    DeliveryStream stream = open.remove(conversationId);
    startAfter.remove(conversationId);
    if (stream != null) {
      stream.close();
      closer.accept(conversationId);
    }
  }
}
