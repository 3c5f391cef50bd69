package io.lockstep.api;

import io.lockstep.protocol.ErrorCode;
import io.lockstep.protocol.LockstepException;
import io.vertx.core.json.JsonObject;
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

  public static void respond(RoutingContext ctx, LockstepException error) {
    if (ctx.response().ended()) {
      return;
    }
    ctx.response().setStatusCode(error.code().httpStatus())
        .putHeader("content-type", "application/json")
        .end(error.toJson().encode());
  }

  /** Router failure handler: statuses raised by Vert.x itself (bad body, too large) keep the same body shape. */
  public static void onRouterFailure(RoutingContext ctx) {
    Throwable failure = ctx.failure();
    if (failure != null && !(failure instanceof io.vertx.ext.web.handler.HttpException)) {
      respond(ctx, failure);
      return;
    }
    int status = ctx.statusCode();
    ErrorCode code = switch (status) {
      case 401 -> ErrorCode.UNAUTHORIZED;
      case 404 -> ErrorCode.NOT_FOUND;
      case 413 -> ErrorCode.FRAME_TOO_LARGE;
      case 400 -> ErrorCode.BAD_FRAME;
      default -> status >= 500 ? ErrorCode.INTERNAL : ErrorCode.INVALID_FIELD;
    };
    respond(ctx, new LockstepException(code, status == 413 ? "the request body is too large"
        : status == 404 ? "no such endpoint" : "the request could not be processed (HTTP " + status + ")"));
  }
}
