package io.lockstep.api;

import io.lockstep.protocol.ErrorCode;
import io.lockstep.protocol.LockstepException;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Maps failures to REST responses: the error code's HTTP status and a body {code, message}. */
public final class HttpErrors {

  private static final Logger LOG = LoggerFactory.getLogger(HttpErrors.class);

  private HttpErrors() {
  }

  public static void respond(RoutingContext ctx, Throwable failure) {
    LockstepException error = LockstepException.of(failure);
    if (error.code() == ErrorCode.INTERNAL) {
      LOG.error("{} {} failed", ctx.request().method(), ctx.request().path(), failure);
    }
    respond(ctx, error);
  }

  /** Responds with the error's status and body; a rate_limited error also says Retry-After (whole seconds). */
  public static void respond(RoutingContext ctx, LockstepException error) {
    if (ctx.response().ended()) {
      return;
    }
    if (error.code() == ErrorCode.RATE_LIMITED && error.details() != null) {
      long retryAfterMs = error.details().getLong("retry_after_ms", 1000L);
      ctx.response().putHeader("Retry-After", String.valueOf(Math.max(1, (retryAfterMs + 999) / 1000)));
    }
    ctx.response().setStatusCode(error.code().httpStatus())
        .putHeader("content-type", "application/json")
        .end(error.toJson().encode());
  }

  /**
   * Router failure handler: a LockstepException keeps its code; statuses raised by Vert.x itself
   * (bad body, too large, CSRF refused) keep theirs, with the same body shape.
   */
  public static void onRouterFailure(RoutingContext ctx) {
    Throwable failure = ctx.failure();
    int status = ctx.statusCode();
    if (failure instanceof LockstepException || status < 400 || status >= 500 && failure != null) {
      respond(ctx, failure == null ? new LockstepException(ErrorCode.INTERNAL, "the request failed") : failure);
      return;
    }
    ErrorCode code = switch (status) {
      case 401 -> ErrorCode.UNAUTHORIZED;
      case 403 -> ErrorCode.FORBIDDEN;
      case 404 -> ErrorCode.NOT_FOUND;
      case 413 -> ErrorCode.FRAME_TOO_LARGE;
      case 400 -> ErrorCode.BAD_FRAME;
      default -> status >= 500 ? ErrorCode.INTERNAL : ErrorCode.INVALID_FIELD;
    };
    String message = switch (status) {
      case 403 -> "forbidden: a change needs the CSRF token (header X-XSRF-TOKEN, from cookie XSRF-TOKEN)";
      case 404 -> "no such endpoint";
      case 413 -> "the request body is too large";
      default -> "the request could not be processed (HTTP " + status + ")";
    };
    respond(ctx, new LockstepException(code, message));
  }
}
