package io.lockstep.connection;

import io.github.bucket4j.Bucket;
import io.lockstep.config.LimitsConfig;
import io.lockstep.config.LimitsConfig.Rated;
import io.lockstep.limits.RateLimits;
import io.lockstep.limits.Refusal;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * What one connection may spend: frames, sends, membership changes and settings writes, each from the
 * connection's own bucket and its user's (shared by the user's connections on this node). A request
 * is admitted only when both have tokens; a refusal takes nothing from either.
 */
final class SessionLimits {

  /** Large frames cost more of the frame limits: parsing is paid per character. */
  private static final int CHARS_PER_FRAME_TOKEN = 16 * 1024;

  private final RateLimits limits;
  private final Bucket frames;
  private final Bucket sends;
  private final Bucket members;
  private final Bucket settings;

  SessionLimits(RateLimits limits) {
    this.limits = limits;
    this.frames = limits.connectionBucket(Rated.FRAMES_CONNECTION);
    this.sends = limits.connectionBucket(Rated.SENDS_CONNECTION);
    this.members = limits.connectionBucket(Rated.MEMBERS_CONNECTION);
    this.settings = limits.connectionBucket(Rated.SETTINGS_CONNECTION);
  }

  /** A frame of this text; userId is null before hello (then only the connection's bucket counts). */
  Refusal frame(String text, String userId) {
    return admit(frames, Rated.FRAMES_CONNECTION, Rated.FRAMES_USER, userId,
        1 + text.length() / CHARS_PER_FRAME_TOKEN);
  }

  Refusal send(String userId) {
    return admit(sends, Rated.SENDS_CONNECTION, Rated.SENDS_USER, userId, 1);
  }

  Refusal settingsWrite(String userId) {
    return admit(settings, Rated.SETTINGS_CONNECTION, Rated.SETTINGS_USER, userId, 1);
  }

  /** A membership change; conversation.create counts each user it names (at least one). */
  Refusal membership(String userId, JsonObject frame) {
    long named = "conversation.create".equals(frame.getString("type"))
        && frame.getValue("members") instanceof JsonArray list ? Math.max(1, list.size()) : 1;
    return admit(members, Rated.MEMBERS_CONNECTION, Rated.MEMBERS_USER, userId, named);
  }

  /**
   * How long not to read after a refused frame: until a quarter of the bucket has refilled, so a
   * flooding client meets a few refusals a second and otherwise TCP backpressure, not one refusal per frame.
   */
  long framesPause(Refusal refused) {
    LimitsConfig.Rate rate = limits.config().rate(refused.limit().equals(Rated.FRAMES_USER.label())
        ? Rated.FRAMES_USER : Rated.FRAMES_CONNECTION);
    return Math.max(refused.retryAfterMs(), rate.millisFor(Math.max(1, rate.burst() / 4)));
  }

  private Refusal admit(Bucket connection, Rated connectionLimit, Rated userLimit, String userId, long cost) {
    Refusal refused = limits.take(connection, connectionLimit, cost);
    if (refused != null || userId == null) {
      return refused;
    }
    refused = limits.take(userLimit, userId, cost);
    if (refused != null && connection != null) {
      connection.addTokens(cost);
    }
    return refused;
  }
}
