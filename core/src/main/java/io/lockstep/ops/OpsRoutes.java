package io.lockstep.ops;

import io.lockstep.api.HttpRoutes;
import io.lockstep.config.LockstepConfig.AdminConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.healthchecks.HealthChecks;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;

/**
 * The operators' endpoints: {@code /health/live} (the node's event loop answers),
 * {@code /health/ready} (PostgreSQL, Redis, migrations and cluster membership, via
 * vertx-health-check) and the Prometheus scrape endpoint behind the admin credentials (HTTP Basic).
 */
public final class OpsRoutes implements HttpRoutes {

  private final HealthChecks readiness;
  private final PrometheusMeterRegistry registry;
  private final AdminConfig admin;
  private final String metricsPath;

  public OpsRoutes(HealthChecks readiness, PrometheusMeterRegistry registry, AdminConfig admin, String metricsPath) {
    this.readiness = readiness;
    this.registry = registry;
    this.admin = admin;
    this.metricsPath = metricsPath;
  }

  @Override
  public void mount(Vertx vertx, Router router) {
    router.get("/health/live").handler(ctx -> ctx.json(new JsonObject().put("status", "UP")));
    router.get("/health/ready").handler(this::ready);
    router.get(metricsPath).handler(this::scrape);
  }

  private void ready(RoutingContext ctx) {
    readiness.checkStatus().onComplete(done -> {
      boolean up = done.succeeded() && done.result().getUp();
      JsonObject body = done.succeeded() ? done.result().toJson()
          : new JsonObject().put("status", "DOWN").put("outcome", "DOWN").put("error", done.cause().getMessage());
      ctx.response().setStatusCode(up ? 200 : 503).putHeader("content-type", "application/json").end(body.encode());
    });
  }

  private void scrape(RoutingContext ctx) {
    if (!basicAuthMatches(ctx.request().getHeader("Authorization"), admin)) {
      ctx.response().setStatusCode(401).putHeader("WWW-Authenticate", "Basic realm=\"lockstep\"")
          .putHeader("content-type", "application/json")
          .end(new JsonObject().put("code", "unauthorized").put("message", "send the admin credentials (HTTP Basic)").encode());
      return;
    }
    ctx.response().putHeader("content-type", "text/plain; version=0.0.4; charset=utf-8").end(registry.scrape());
  }

  /** Constant-time check of an HTTP Basic header against the admin credentials. */
  public static boolean basicAuthMatches(String header, AdminConfig admin) {
    if (header == null || !header.regionMatches(true, 0, "Basic ", 0, 6)) {
      return false;
    }
    String decoded;
    try {
      decoded = new String(Base64.getDecoder().decode(header.substring(6).trim()), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return false;
    }
    byte[] expected = (admin.username() + ":" + admin.password()).getBytes(StandardCharsets.UTF_8);
    return MessageDigest.isEqual(expected, decoded.getBytes(StandardCharsets.UTF_8));
  }
}
