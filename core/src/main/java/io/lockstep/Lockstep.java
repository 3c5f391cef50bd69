package io.lockstep;

import io.lockstep.config.ConfigLoader;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.bridge.SLF4JBridgeHandler;

/** Entry point of lockstep.jar: loads the configuration, starts one node and prints how to reach it. */
public final class Lockstep {

  private static final Logger LOG = LoggerFactory.getLogger(Lockstep.class);

  private Lockstep() {
  }

  public static void main(String[] args) {
    SLF4JBridgeHandler.removeHandlersForRootLogger();
    SLF4JBridgeHandler.install();
    Vertx vertx = Vertx.vertx();
    ConfigLoader.load(vertx, new JsonObject())
        .compose(config -> LockstepServer.start(vertx, config))
        .onSuccess(server -> {
          Runtime.getRuntime().addShutdownHook(new Thread(() -> shutdown(vertx, server)));
          System.out.println(Banner.of(server));
        })
        .onFailure(failure -> {
          LOG.error("Lockstep did not start: {}", failure.getMessage());
          LOG.debug("start-up failure", failure);
          vertx.close();
          System.exit(1);
        });
  }

  private static void shutdown(Vertx vertx, LockstepServer server) {
    try {
      server.close().compose(v -> vertx.close()).await();
    } catch (RuntimeException e) {
      LOG.warn("shutdown was not clean: {}", e.getMessage());
    }
  }
}
