package io.lockstep.client;

import io.vertx.core.json.JsonObject;

/**
 * A send the server committed. {@link #duplicate()} is true when the (device, client_msg_id) pair was
 * already stored: the retry wrote nothing and these are the original positions. A message of a stream
 * (a large conversation) has {@link #stream()} true and seq 0: it is not in the user's log.
 */
public record Sent(String clientMsgId, String conversationId, long convSeq, long seq, boolean duplicate,
                   boolean stream) {

  static Sent of(JsonObject frame) {
    return new Sent(frame.getString("client_msg_id"), frame.getString("conversation_id"), frame.getLong("conv_seq"),
        frame.getLong("seq"), frame.getBoolean("duplicate", false), frame.getBoolean("stream", false));
  }
}
