package io.lockstep.limits;

import io.lockstep.protocol.ErrorCode;
import io.lockstep.protocol.LockstepException;
import io.vertx.core.json.JsonObject;

/**
 * A request refused by a limit: which one (the {@code limit} label of lockstep_rate_limited_total)
 * and how long to wait before it would be admitted (-1: never at once, it asks for more than the
 * bucket holds).
 */
public record Refusal(String limit, long retryAfterMs) {

  /** Limits that are not token buckets, as they appear in the metric. */
  public static final String CONNECTIONS_PER_USER = "connections_user";
  public static final String SLOW_CONSUMER = "slow_consumer";
  public static final String IN_FLIGHT = "in_flight";

  /** The error a client sees: rate_limited with retry_after_ms and the limit's name. */
  public LockstepException toError(String what) {
    String message = retryAfterMs < 0
        ? what + " asks for more than the " + limit + " limit allows at once; split it up"
        : what + " is over the " + limit + " limit; retry after " + retryAfterMs + " ms";
    return new LockstepException(ErrorCode.RATE_LIMITED, message,
        new JsonObject().put("retry_after_ms", Math.max(retryAfterMs, 0)).put("limit", limit));
  }
}
