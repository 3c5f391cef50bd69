package io.lockstep.ops;

import io.lockstep.api.HttpErrors;
import io.lockstep.api.HttpRoutes;
import io.lockstep.config.LockstepConfig.AdminConfig;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;

import java.util.List;

/**
 * The operators' HTTP server on a port of their own ({@code admin.port}): the console, its API, the
 * metrics endpoint and the health checks, so that only the operators' network needs to reach them
 * while the client port stays public. Anything else answers 404. No proxy header is trusted here: a
 * caller's address (for the sign-in guard and the audit log) is the TCP peer's.
 */
public final class OpsHttpVerticle extends VerticleBase {

  private final AdminConfig admin;
  private final List<HttpRoutes> routes;
  private HttpServer server;

  public OpsHttpVerticle(AdminConfig admin, List<HttpRoutes> routes) {
    if (!admin.ownPort()) {
      throw new IllegalArgumentException("the operators' server needs admin.port");
    }
    this.admin = admin;
    this.routes = List.copyOf(routes);
  }

  @Override
  public Future<?> start() {
    Router router = Router.router(vertx);
    routes.forEach(group -> group.mount(vertx, router));
    router.route().failureHandler(HttpErrors::onRouterFailure);
    router.route().last().handler(ctx -> ctx.fail(404));
    server = vertx.createHttpServer(new HttpServerOptions().setHost(admin.host()).setPort(admin.port()));
    return server.requestHandler(router).listen().recover(failure -> Future.failedFuture(new IllegalStateException(
        "the console and metrics cannot listen on " + admin.host() + ":" + admin.port() + " (" + failure.getMessage()
            + "); check admin.port and admin.host", failure)));
  }

  @Override
  public Future<?> stop() {
    return server.close();
  }
}
