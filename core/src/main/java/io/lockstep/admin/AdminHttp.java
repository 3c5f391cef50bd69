package io.lockstep.admin;

import io.lockstep.api.HttpErrors;
import io.lockstep.protocol.Fields;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.SessionHandler;

/**
 * What every handler of the console's API shares: the signed-in operator, query parameters, and the
 * reply, which goes out only once the session is stored. Vert.x stores a session as the reply's
 * headers go out without waiting for the store; with the clustered store that write lands later, and a
 * client's next request could read the session as it was, its CSRF token already replaced, and be
 * refused with 403.
 */
final class AdminHttp {

  /** The session key holding the signed-in operator's name. */
  static final String OPERATOR = "admin";

  private final SessionHandler sessions;

  AdminHttp(SessionHandler sessions) {
    this.sessions = sessions;
  }

  static String operator(RoutingContext ctx) {
    return ctx.session().get(OPERATOR);
  }

  /**
   * Replies with the result, or with the failure's error, after storing the session whatever the
   * status: a refused change has still replaced the CSRF token the client now holds. A session that
   * could not be stored (another request changed it first) does not hold the reply back.
   */
  void respond(RoutingContext ctx, Future<JsonObject> result) {
    result.onComplete(outcome -> sessions.flush(ctx, true).onComplete(stored -> {
      if (outcome.succeeded()) {
        ctx.json(outcome.result());
      } else {
        HttpErrors.respond(ctx, outcome.cause());
      }
    }));
  }

  void reply(RoutingContext ctx, JsonObject body) {
    respond(ctx, Future.succeededFuture(body));
  }

  void refuse(RoutingContext ctx, Throwable failure) {
    respond(ctx, Future.failedFuture(failure));
  }

  /** A whole number from min to max, fallback when absent; anything else is refused as invalid_field. */
  static long longParam(RoutingContext ctx, String name, long fallback, long min, long max) {
    String value = ctx.queryParams().get(name);
    if (value == null || value.isEmpty()) {
      return fallback;
    }
    try {
      long parsed = Long.parseLong(value);
      if (parsed < min || parsed > max) {
        throw new NumberFormatException("out of range");
      }
      return parsed;
    } catch (NumberFormatException e) {
      throw Fields.invalid(name, "must be a whole number from " + min + " to " + max);
    }
  }

  static String query(RoutingContext ctx) {
    String q = ctx.queryParams().get("q");
    return q == null ? "" : q.strip();
  }
}
