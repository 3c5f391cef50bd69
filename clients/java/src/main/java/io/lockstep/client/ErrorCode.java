package io.lockstep.client;

import java.util.Locale;

/**
 * The stable codes of the server's {@code error} frames (docs/protocol.md, Errors). A code this
 * client does not know yet (the server only adds codes) is {@link #UNKNOWN}; its text stays in
 * {@link LockstepException#code()}.
 */
public enum ErrorCode {
  BAD_FRAME, UNKNOWN_TYPE, INVALID_FIELD, FRAME_TOO_LARGE, NOT_READY, ALREADY_GREETED, UNAUTHORIZED,
  TOKEN_EXPIRED, FORBIDDEN, DEVICE_REVOKED, DEVICE_NOT_OWNED, DEVICE_UNKNOWN, NOT_MEMBER, NOT_FOUND, CURSOR_AHEAD,
  RESET_REQUIRED, CONFLICT, UNAVAILABLE, RATE_LIMITED, INTERNAL, UNKNOWN;

  /** The code as it is on the wire, e.g. {@code not_member}. */
  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static ErrorCode of(String wire) {
    if (wire == null) {
      return UNKNOWN;
    }
    for (ErrorCode code : values()) {
      if (code != UNKNOWN && code.wire().equals(wire)) {
        return code;
      }
    }
    return UNKNOWN;
  }

  /** Whether the same request may succeed later unchanged: the server applied nothing and said so. */
  public boolean retryable() {
    return this == RATE_LIMITED || this == UNAVAILABLE || this == INTERNAL;
  }
}
