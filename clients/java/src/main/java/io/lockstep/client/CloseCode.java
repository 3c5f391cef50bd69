package io.lockstep.client;

/** The close codes of docs/protocol.md, each with what a client should do next. */
public enum CloseCode {
  GOING_AWAY(1001, Next.RECONNECT),
  PROTOCOL_ERROR(1002, Next.FIX_THE_CLIENT),
  INVALID_UTF8(1007, Next.FIX_THE_CLIENT),
  MESSAGE_TOO_BIG(1009, Next.FIX_THE_CLIENT),
  SERVER_ERROR(1011, Next.RECONNECT),
  HEARTBEAT_MISSED(4000, Next.RECONNECT),
  UNAUTHORIZED(4001, Next.NEW_TOKEN),
  DEVICE_REJECTED(4003, Next.STOP),
  SLOW_CONSUMER(4008, Next.RECONNECT_WITH_BACKOFF),
  REPLACED(4009, Next.STOP),
  DISCONNECTED_BY_OPERATOR(4010, Next.RECONNECT),
  ADDRESS_LIMITED(4029, Next.RECONNECT_WITH_BACKOFF);

  /** What to do after a close. */
  public enum Next {
    /** Reconnect (to any node) with the cursor. */
    RECONNECT,
    /** Reconnect with the cursor after a growing delay. */
    RECONNECT_WITH_BACKOFF,
    /** Get a new token, then reconnect. */
    NEW_TOKEN,
    /** Do not reconnect on your own: the device is gone or another copy of the app took over. */
    STOP,
    /** The client sent what it must not: resending it will not help. */
    FIX_THE_CLIENT
  }

  private final int code;
  private final Next next;

  CloseCode(int code, Next next) {
    this.code = code;
    this.next = next;
  }

  public int code() {
    return code;
  }

  public Next next() {
    return next;
  }

  /** The documented close code, or null for another one. */
  public static CloseCode of(int code) {
    for (CloseCode known : values()) {
      if (known.code == code) {
        return known;
      }
    }
    return null;
  }
}
