package io.lockstep.client;

import io.vertx.core.json.JsonObject;

/** An {@code error} frame that answered a request: its stable code, its sentence and the frame itself. */
public final class LockstepException extends RuntimeException {

  private final transient JsonObject frame;

  public LockstepException(JsonObject frame) {
    super(frame.getString("code") + ": " + frame.getString("message"));
    this.frame = frame;
  }

  /** The code as the server sent it, e.g. {@code not_member}. */
  public String code() {
    return frame.getString("code");
  }

  public ErrorCode errorCode() {
    return ErrorCode.of(code());
  }

  /** For {@code rate_limited}: how long to wait before retrying, in milliseconds; else -1. */
  public long retryAfterMs() {
    Number retry = frame.getNumber("retry_after_ms");
    return retry == null ? -1 : retry.longValue();
  }

  /** The whole error frame (a {@code conflict} carries {@code current}, a {@code rate_limited} its {@code limit}). */
  public JsonObject frame() {
    return frame;
  }
}
