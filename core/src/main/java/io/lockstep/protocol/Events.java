package io.lockstep.protocol;

import io.vertx.core.json.JsonObject;

import java.time.OffsetDateTime;

/** Builds the user-log `event` frames: {type: "event", seq, kind, ts, data}, ts in epoch milliseconds. */
public final class Events {

  public static final String MESSAGE = "message";
  public static final String CONVERSATION = "conversation";
  public static final String DEVICE = "device";

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
