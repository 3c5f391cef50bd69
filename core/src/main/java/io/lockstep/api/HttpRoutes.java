package io.lockstep.api;

import io.vertx.core.Vertx;
import io.vertx.ext.web.Router;

/** A group of HTTP routes that a connection verticle mounts on its router (once per instance). */
public interface HttpRoutes {

  void mount(Vertx vertx, Router router);
}
