package io.lockstep;

import io.lockstep.cluster.NodeRuntime;
import io.lockstep.config.ConfigLoader;
import io.lockstep.config.LockstepConfig;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.bridge.SLF4JBridgeHandler;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Entry point of lockstep.jar: loads the configuration, starts one node and prints how to reach it. */
public final class Lockstep {

  private static final Logger LOG = LoggerFactory.getLogger(Lockstep.class);
  private static final Duration SHUTDOWN_WAIT = Duration.ofSeconds(20);

  private Lockstep() {
  }

  public static void main(String[] args) {
    SLF4JBridgeHandler.removeHandlersForRootLogger();
    SLF4JBridgeHandler.install();
    Vertx loader = Vertx.vertx();
    LockstepConfig config;
    try {
      config = ConfigLoader.load(loader, new JsonObject()).await();
    } catch (RuntimeException e) {
      LOG.error("Lockstep did not start: {}", e.getMessage());
      System.exit(1);
      return;
    } finally {
      loader.close();
    }
    NodeRuntime.start(config.cluster())
        .onFailure(failure -> fail("the cluster could not be joined (" + failure.getMessage()
            + "); check cluster.host, cluster.port and cluster.members", null))
        .onSuccess(runtime -> LockstepServer.start(runtime, config)
            .onSuccess(server -> {
              Runtime.getRuntime().addShutdownHook(new Thread(() -> shutdown(runtime.vertx(), server)));
              System.out.println(Banner.of(server));
            })
            .onFailure(failure -> fail(failure.getMessage(), runtime.vertx())));
  }

  private static void fail(String reason, Vertx vertx) {
    LOG.error("Lockstep did not start: {}", reason);
    if (vertx != null) {
      vertx.close();
    }
    System.exit(1);
  }

  /**
   * Closes the node, then Vert.x, each waited for apart and for at most {@link #SHUTDOWN_WAIT}: a
   * future composed on the node's event loop would never learn that Vert.x had closed, because
   * Vert.x stops that loop first, and the process would hang on SIGTERM.
   */
  private static void shutdown(Vertx vertx, LockstepServer server) {
    try {
      server.close().await(SHUTDOWN_WAIT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException | RuntimeException e) {
      LOG.warn("the node did not close cleanly: {}", e.toString());
    }
    try {
      vertx.close().await(SHUTDOWN_WAIT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException | RuntimeException e) {
      LOG.warn("Vert.x did not close cleanly: {}", e.toString());
    }
  }
}
