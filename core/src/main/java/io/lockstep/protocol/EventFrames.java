package io.lockstep.protocol;

import io.vertx.core.json.Json;

/**
 * The text of a user-log event frame, {"type":"event","seq":…,"kind":…,"ts":…,"data":…}, and of a
 * stream's. PostgreSQL
 * defines it (lockstep_event_frame and lockstep_frame_tail in R__definitions.sql): catch-up pages come
 * from there whole, and a live event comes with the tail the database built for it, to which this
 * puts each log's seq in front. So a live frame and the same event fetched later are the same bytes.
 */
public final class EventFrames {

  private static final String HEAD = "{\"type\":\"event\",\"seq\":";
  private static final String STREAM_HEAD = "{\"type\":\"event\",\"stream\":";

  private EventFrames() {
  }

  public static String frame(long seq, String tail) {
    return HEAD + seq + tail;
  }

  /** A stream event frame, {"type":"event","stream":…,"seq":…,…} (lockstep_stream_frame); seq is the conv_seq. */
  public static String streamFrame(String conversationId, long seq, String tail) {
    return STREAM_HEAD + Json.encode(conversationId) + ",\"seq\":" + seq + tail;
  }
}
