package io.lockstep.store;

/**
 * Why a store refused a change, as the stores and their SQL functions say it (the SQL outcome
 * strings map here in {@link #fromSql}). The one place that turns a rejection into a client-facing
 * error code and sentence is io.lockstep.bus.Rejections.
 */
public enum Rejection {
  CONVERSATION_NOT_FOUND,
  NOT_MEMBER,
  NOT_A_GROUP,
  GROUP_FULL,
  DEVICE_REVOKED,
  DEVICE_UNKNOWN,
  DEVICE_NOT_FOUND,
  DEVICE_NOT_OWNED,
  ACK_AHEAD,
  READ_BEYOND_HEAD,
  NOT_A_STREAM,
  STREAM_ACK_AHEAD;

  /** The rejection a SQL function reported as its outcome. */
  public static Rejection fromSql(String outcome) {
    return switch (outcome) {
      case "not_found" -> CONVERSATION_NOT_FOUND;
      case "not_member" -> NOT_MEMBER;
      case "device_revoked" -> DEVICE_REVOKED;
      case "cursor_ahead" -> ACK_AHEAD;
      case "beyond_head" -> READ_BEYOND_HEAD;
      default -> throw new IllegalStateException("unexpected outcome from the database: " + outcome);
    };
  }

  /** Fails with this rejection of the named thing (a conversation or device id). */
  public Rejected of(String subject) {
    return new Rejected(this, subject, null);
  }

  /** Fails with this rejection of the named thing, with the limit or head it ran into. */
  public Rejected of(String subject, long bound) {
    return new Rejected(this, subject, bound);
  }
}
