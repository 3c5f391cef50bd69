package io.lockstep.ops;

import io.lockstep.api.HttpErrors;
import io.lockstep.api.HttpRoutes;
import io.lockstep.limits.Refusal;
import io.lockstep.limits.SignInGuard;
import io.lockstep.config.LockstepConfig.AdminConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;

/**
 * The Prometheus scrape endpoint ({@code metrics.path}) behind the admin credentials (HTTP Basic).
 * Wrong credentials count against the client's address and the user name they named (the console's
 * sign-in guard), so they cannot be guessed.
 */
public final class MetricsRoutes implements HttpRoutes {

  private final PrometheusMeterRegistry registry;
  private final AdminConfig admin;
  private final String metricsPath;
  private final SignInGuard signIn;

  public MetricsRoutes(PrometheusMeterRegistry registry, AdminConfig admin, String metricsPath, SignInGuard signIn) {
    this.registry = registry;
    this.admin = admin;
    this.metricsPath = metricsPath;
    this.signIn = signIn;
  }

  @Override
  public void mount(Vertx vertx, Router router) {
    router.get(metricsPath).handler(this::scrape);
  }

  private void scrape(RoutingContext ctx) {
    String[] given = basicCredentials(ctx.request().getHeader("Authorization"));
    if (given == null) {
      unauthorized(ctx);
      return;
    }
    String address = ctx.request().remoteAddress() == null ? "" : ctx.request().remoteAddress().hostAddress();
    Refusal refused = signIn.check(address, given[0]);
    if (refused != null) {
      HttpErrors.respond(ctx, refused.toError("this sign-in"));
      return;
    }
    if (!matches(given, admin)) {
      signIn.failed(address, given[0]);
      unauthorized(ctx);
      return;
    }
    ctx.response().putHeader("content-type", "text/plain; version=0.0.4; charset=utf-8").end(registry.scrape());
  }

  private static void unauthorized(RoutingContext ctx) {
    ctx.response().setStatusCode(401).putHeader("WWW-Authenticate", "Basic realm=\"lockstep\"")
        .putHeader("content-type", "application/json")
        .end(new JsonObject().put("code", "unauthorized").put("message", "send the admin credentials (HTTP Basic)").encode());
  }

  /** The user name and password of an HTTP Basic header, or null when there is none or it is malformed. */
  private static String[] basicCredentials(String header) {
    if (header == null || !header.regionMatches(true, 0, "Basic ", 0, 6)) {
      return null;
    }
    String decoded;
    try {
      decoded = new String(Base64.getDecoder().decode(header.substring(6).trim()), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return null;
    }
    int colon = decoded.indexOf(':');
    return colon < 0 ? null : new String[] {decoded.substring(0, colon), decoded.substring(colon + 1)};
  }

  /** Constant-time check of the given credentials against the admin credentials. */
  private static boolean matches(String[] given, AdminConfig admin) {
    return MessageDigest.isEqual(admin.username().getBytes(StandardCharsets.UTF_8), given[0].getBytes(StandardCharsets.UTF_8))
        & MessageDigest.isEqual(admin.password().getBytes(StandardCharsets.UTF_8), given[1].getBytes(StandardCharsets.UTF_8));
  }
}
