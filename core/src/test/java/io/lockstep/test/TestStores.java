package io.lockstep.test;

import io.lockstep.embedded.EmbeddedServices;
import io.lockstep.embedded.EmbeddedServices.EmbeddedRedis;
import io.lockstep.store.PostgresTarget;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;

/**
 * The real PostgreSQL and Redis the tests run against: those named by LOCKSTEP_TEST_PG_URL and
 * LOCKSTEP_TEST_REDIS_URL, or embedded ones started once per JVM. Each test class gets a database
 * and a Redis key prefix of its own, removed afterwards.
 */
public final class TestStores {

  private static PostgresTarget admin;
  private static String redisUrl;

  private TestStores() {
  }

  public static synchronized PostgresTarget adminTarget() {
    if (admin == null) {
      String url = System.getenv("LOCKSTEP_TEST_PG_URL");
      if (url == null || url.isBlank()) {
        EmbeddedPostgres postgres = EmbeddedServices.startPostgres(tempDir("lockstep-test-pg"));
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
          try {
            postgres.close();
          } catch (Exception ignored) {
            // the JVM is exiting; the folder is temporary
          }
        }));
        url = EmbeddedServices.postgresUrl(postgres);
      }
      admin = PostgresTarget.parse(url);
    }
    return admin;
  }

  public static synchronized String redisUrl() {
    if (redisUrl == null) {
      String url = System.getenv("LOCKSTEP_TEST_REDIS_URL");
      if (url == null || url.isBlank()) {
        EmbeddedRedis redis = EmbeddedServices.startRedis();
        Runtime.getRuntime().addShutdownHook(new Thread(redis::stop));
        url = redis.url();
      }
      redisUrl = url;
    }
    return redisUrl;
  }

  /** Creates a fresh database and answers its target. */
  public static PostgresTarget createDatabase() {
    PostgresTarget server = adminTarget();
    String name = "lockstep_t_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    execute(server, "CREATE DATABASE " + name);
    return new PostgresTarget(server.host(), server.port(), name, server.user(), server.password());
  }

  public static void dropDatabase(PostgresTarget database) {
    execute(adminTarget(), "DROP DATABASE IF EXISTS " + database.database() + " WITH (FORCE)");
  }

  public static String newRedisPrefix() {
    return "lockstep:t:" + UUID.randomUUID().toString().substring(0, 8) + ":";
  }

  private static void execute(PostgresTarget target, String sql) {
    try (Connection connection = DriverManager.getConnection(target.jdbcUrl(), target.user(), target.password());
         Statement statement = connection.createStatement()) {
      statement.execute(sql);
    } catch (SQLException e) {
      throw new IllegalStateException(sql + " failed: " + e.getMessage(), e);
    }
  }

  private static Path tempDir(String name) {
    try {
      return Files.createTempDirectory(name);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
