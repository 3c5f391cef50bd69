package io.lockstep.playground;

import io.lockstep.api.HttpRoutes;
import io.vertx.core.Vertx;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.StaticHandler;

/**
 * The multi-device playground at /playground, in dev mode only (production answers 404): the page
 * and the @lockstep/client bundle from the lockstep-client-js jar. When that jar was built without
 * Node, a short page says so instead.
 */
public final class PlaygroundRoutes implements HttpRoutes {

  private static final String FOLDER = "playground";
  private static final String NOT_BUILT = """
      <!doctype html><meta charset="utf-8"><title>Lockstep playground</title>
      <h1>The playground is not built</h1>
      <p>This server was built without Node, so the @lockstep/client bundle the playground runs on is missing.
      Install Node 20 and build again (<code>mvn -B -q package -DskipTests</code>).</p>
      """;

  private final boolean devMode;

  public PlaygroundRoutes(boolean devMode) {
    this.devMode = devMode;
  }

  @Override
  public void mount(Vertx vertx, Router router) {
    if (!devMode) {
      return;
    }
    router.get("/playground").handler(ctx -> {
      if (ctx.request().path().equals("/playground")) {
        ctx.redirect("/playground/");
      } else {
        ctx.next();
      }
    });
    if (PlaygroundRoutes.class.getClassLoader().getResource(FOLDER + "/lockstep-client.js") == null) {
      router.get("/playground/*").handler(ctx -> ctx.response().setStatusCode(200)
          .putHeader("Content-Type", "text/html; charset=utf-8").end(NOT_BUILT));
      return;
    }
    router.route("/playground/*").handler(StaticHandler.create(FOLDER).setIndexPage("index.html").setCachingEnabled(false));
  }
}
