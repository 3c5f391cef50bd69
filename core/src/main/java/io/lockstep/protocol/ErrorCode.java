package io.lockstep.protocol;

/**
 * Every error a client or integrator can receive: a stable wire code, the HTTP status used by the
 * REST endpoints, and the WebSocket close code when the error ends the connection (0: it does not).
 */
public enum ErrorCode {
  BAD_FRAME("bad_frame", 400, 0),
  UNKNOWN_TYPE("unknown_type", 400, 0),
  INVALID_FIELD("invalid_field", 400, 0),
  FRAME_TOO_LARGE("frame_too_large", 413, 0),
  NOT_READY("not_ready", 400, 0),
  UNAUTHORIZED("unauthorized", 401, 4001),
  TOKEN_EXPIRED("token_expired", 401, 4001),
  FORBIDDEN("forbidden", 403, 0),
  DEVICE_REVOKED("device_revoked", 403, 4003),
  DEVICE_NOT_OWNED("device_not_owned", 403, 4003),
  DEVICE_UNKNOWN("device_unknown", 404, 4003),
  NOT_MEMBER("not_member", 403, 0),
  NOT_FOUND("not_found", 404, 0),
  CURSOR_AHEAD("cursor_ahead", 409, 0),
  RESET_REQUIRED("reset_required", 410, 0),
  CONFLICT("conflict", 409, 0),
  ALREADY_GREETED("already_greeted", 409, 0),
  UNAVAILABLE("unavailable", 503, 0),
  INTERNAL("internal", 500, 0),
  RATE_LIMITED("rate_limited", 429, 0);

  private final String wire;
  private final int httpStatus;
  private final int closeCode;

  ErrorCode(String wire, int httpStatus, int closeCode) {
    this.wire = wire;
    this.httpStatus = httpStatus;
    this.closeCode = closeCode;
  }

  public String wire() {
    return wire;
  }

  public int httpStatus() {
    return httpStatus;
  }

  /** The WebSocket close code that follows this error, or 0 if the connection stays open. */
  public int closeCode() {
    return closeCode;
  }

  /** Event-bus failure codes are the ordinal offset so that they never collide with HTTP-ish codes. */
  public int failureCode() {
    return 10_000 + ordinal();
  }

  public static ErrorCode fromFailureCode(int failureCode) {
    int index = failureCode - 10_000;
    ErrorCode[] all = values();
    return index >= 0 && index < all.length ? all[index] : INTERNAL;
  }
}
