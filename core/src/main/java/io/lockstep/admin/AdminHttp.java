package io.lockstep.admin;

import io.lockstep.api.HttpErrors;
import io.lockstep.protocol.Fields;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/** What every handler of the console's API shares: the signed-in operator, query parameters, the reply. */
final class AdminHttp {

  /** The session key holding the signed-in operator's name. */
  static final String OPERATOR = "admin";

  private AdminHttp() {
  }

  static String operator(RoutingContext ctx) {
    return ctx.session().get(OPERATOR);
  }

  static void respond(RoutingContext ctx, Future<JsonObject> result) {
    result.onSuccess(ctx::json).onFailure(failure -> HttpErrors.respond(ctx, failure));
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
