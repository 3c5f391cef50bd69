package io.lockstep.ops;

import io.lockstep.api.HttpRoutes;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.healthchecks.HealthChecks;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * The health checks, without credentials: {@code /health/live} (the node's event loop answers) and
 * {@code /health/ready} (PostgreSQL, Redis, migrations and cluster membership, via vertx-health-check).
 */
public final class HealthRoutes implements HttpRoutes {

  private final HealthChecks readiness;

  public HealthRoutes(HealthChecks readiness) {
    this.readiness = readiness;
  }

  @Override
  public void mount(Vertx vertx, Router router) {
    router.get("/health/live").handler(ctx -> ctx.json(new JsonObject().put("status", "UP")));
    router.get("/health/ready").handler(this::ready);
  }

  private void ready(RoutingContext ctx) {
    readiness.checkStatus().onComplete(done -> {
      boolean up = done.succeeded() && done.result().getUp();
      JsonObject body = done.succeeded() ? done.result().toJson()
          : new JsonObject().put("status", "DOWN").put("outcome", "DOWN").put("error", done.cause().getMessage());
      ctx.response().setStatusCode(up ? 200 : 503).putHeader("content-type", "application/json").end(body.encode());
    });
  }
}
