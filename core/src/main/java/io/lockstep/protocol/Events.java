package io.lockstep.protocol;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Builds the user-log `event` frames: {type: "event", seq, kind, ts, data}, ts in epoch milliseconds. */
public final class Events {

  public static final String MESSAGE = "message";
  public static final String CONVERSATION = "conversation";
  public static final String DEVICE = "device";
  public static final String READ_STATE = "read_state";
  public static final String RECEIPT = "receipt";
  public static final String SETTINGS = "settings";

  private Events() {
  }

  public static JsonObject event(long seq, String kind, OffsetDateTime ts, JsonObject data) {
    return new JsonObject()
        .put("type", "event")
        .put("seq", seq)
        .put("kind", kind)
        .put("ts", ts.toInstant().toEpochMilli())
        .put("data", data);
  }

  /**
   * Groups events appended by the SQL functions, given as [{user_id, seq, ts (epoch ms), kind, data}],
   * into event frames by user, in ascending seq.
   */
  public static Map<String, List<JsonObject>> byUser(JsonArray appended) {
    Map<String, List<JsonObject>> events = new HashMap<>();
    for (int i = 0; i < appended.size(); i++) {
      JsonObject row = appended.getJsonObject(i);
      events.computeIfAbsent(row.getString("user_id"), user -> new ArrayList<>()).add(new JsonObject()
          .put("type", "event")
          .put("seq", row.getLong("seq"))
          .put("kind", row.getString("kind"))
          .put("ts", row.getLong("ts"))
          .put("data", row.getJsonObject("data")));
    }
    events.values().forEach(list -> list.sort(Comparator.comparingLong(event -> event.getLong("seq"))));
    return events;
  }

  /**
   * The data of a message event. The client_msg_id is shown only to the sender's own devices, so a
   * sending device can match its echo and its other devices can recognise their own account's sends.
   */
  public static JsonObject messageData(String viewer, String conversationId, long convSeq, String senderUser,
                                       String senderDevice, Object body, String clientMsgId) {
    JsonObject data = new JsonObject()
        .put("conversation_id", conversationId)
        .put("conv_seq", convSeq)
        .put("sender", new JsonObject().put("user_id", senderUser).put("device_id", senderDevice))
        .put("body", body);
    if (viewer.equals(senderUser)) {
      data.put("client_msg_id", clientMsgId);
    }
    return data;
  }
}
