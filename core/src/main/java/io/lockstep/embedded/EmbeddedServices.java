package io.lockstep.embedded;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import redis.embedded.RedisServer;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The embedded PostgreSQL (real binaries from Maven Central, data kept in a folder that survives
 * restarts) and the embedded Redis that the server starts when none is configured. Blocking: call
 * from a worker thread.
 */
public final class EmbeddedServices {

  private EmbeddedServices() {
  }

  /** Starts PostgreSQL on a free port with its data under dataDir. */
  public static EmbeddedPostgres startPostgres(Path dataDir) {
    return startPostgres(dataDir, 0);
  }

  /** Starts PostgreSQL on the given port (0: a free one) with its data under dataDir. */
  public static EmbeddedPostgres startPostgres(Path dataDir, int port) {
    try {
      Files.createDirectories(dataDir);
      EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
          .setDataDirectory(dataDir)
          .setCleanDataDirectory(false);
      if (port > 0) {
        builder.setPort(port);
      }
      return builder.start();
    } catch (IOException | RuntimeException e) {
      throw new IllegalStateException("the embedded PostgreSQL could not start (" + rootCause(e)
          + "); set LOCKSTEP_PG_URL to a PostgreSQL server, e.g. postgresql://postgres@127.0.0.1:5432/lockstep", e);
    }
  }

  public static String postgresUrl(EmbeddedPostgres postgres) {
    return "postgresql://postgres@127.0.0.1:" + postgres.getPort() + "/postgres";
  }

  /** A running embedded Redis and its port. */
  public record EmbeddedRedis(RedisServer server, int port) {
    public String url() {
      return "redis://127.0.0.1:" + port;
    }

    public void stop() {
      try {
        server.stop();
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }
  }

  /** Starts a Redis that keeps nothing on disk, on a free loopback port. */
  public static EmbeddedRedis startRedis() {
    try {
      return startRedis(freePort());
    } catch (IOException e) {
      throw new IllegalStateException("no free port for the embedded Redis: " + e.getMessage(), e);
    }
  }

  /** Starts a Redis that keeps nothing on disk on the given loopback port. */
  public static EmbeddedRedis startRedis(int port) {
    try {
      RedisServer redis = RedisServer.newRedisServer()
          .port(port)
          .bind("127.0.0.1")
          .setting("save \"\"")
          .setting("appendonly no")
          .build();
      redis.start();
      return new EmbeddedRedis(redis, port);
    } catch (IOException | RuntimeException e) {
      throw new IllegalStateException("the embedded Redis could not start (" + rootCause(e)
          + "); set LOCKSTEP_REDIS_URL to a Redis server, e.g. redis://127.0.0.1:6379", e);
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  private static String rootCause(Throwable failure) {
    Throwable cause = failure;
    while (cause.getCause() != null) {
      cause = cause.getCause();
    }
    return cause.getMessage();
  }
}
