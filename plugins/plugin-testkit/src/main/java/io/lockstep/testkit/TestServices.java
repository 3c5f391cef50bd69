package io.lockstep.testkit;

import io.lockstep.embedded.EmbeddedServices;
import io.lockstep.embedded.EmbeddedServices.EmbeddedRedis;
import io.lockstep.store.PostgresTarget;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;

/**
 * The PostgreSQL and Redis a test node runs on: the servers named by the environment variables
 * {@value #PG_URL_VARIABLE} and {@value #REDIS_URL_VARIABLE} (CI sets them), or else embedded ones
 * started once per JVM and stopped when it exits. Every node gets a database and a Redis key prefix
 * of its own, which {@link LockstepTestNode} removes after its test class.
 */
public final class TestServices {

  /** Names a PostgreSQL server whose user may create databases, e.g. {@code postgresql://postgres@127.0.0.1:5432/postgres}. */
  public static final String PG_URL_VARIABLE = "LOCKSTEP_TEST_PG_URL";
  /** Names a Redis server, e.g. {@code redis://127.0.0.1:6379}. */
  public static final String REDIS_URL_VARIABLE = "LOCKSTEP_TEST_REDIS_URL";

  private static PostgresTarget postgres;
  private static String redisUrl;

  private TestServices() {
  }

  private static synchronized PostgresTarget postgres() {
    if (postgres == null) {
      String url = System.getenv(PG_URL_VARIABLE);
      if (url == null || url.isBlank()) {
        EmbeddedPostgres embedded = EmbeddedServices.startPostgres(temporaryFolder("lockstep-testkit-pg"));
        Runtime.getRuntime().addShutdownHook(new Thread(() -> closeQuietly(embedded)));
        url = EmbeddedServices.postgresUrl(embedded);
      }
      postgres = PostgresTarget.parse(url);
    }
    return postgres;
  }

  /**
   * The Redis server: the one {@value #REDIS_URL_VARIABLE} names, or an embedded one.
   *
   * @return its URL
   */
  public static synchronized String redisUrl() {
    if (redisUrl == null) {
      String url = System.getenv(REDIS_URL_VARIABLE);
      if (url == null || url.isBlank()) {
        EmbeddedRedis embedded = EmbeddedServices.startRedis();
        Runtime.getRuntime().addShutdownHook(new Thread(embedded::stop));
        url = embedded.url();
      }
      redisUrl = url;
    }
    return redisUrl;
  }

  /**
   * Creates an empty database on the test PostgreSQL server.
   *
   * @return its URL, {@code postgresql://user@host:port/name}, as {@code pg.url} takes it
   */
  public static String createDatabase() {
    PostgresTarget server = postgres();
    String name = "lockstep_tk_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    execute("CREATE DATABASE " + name);
    return new PostgresTarget(server.host(), server.port(), name, server.user(), server.password()).url();
  }

  /**
   * Drops a database made by {@link #createDatabase()}, closing what is still connected to it.
   *
   * @param url the URL {@link #createDatabase()} answered
   */
  public static void dropDatabase(String url) {
    execute("DROP DATABASE IF EXISTS " + PostgresTarget.parse(url).database() + " WITH (FORCE)");
  }

  /**
   * A Redis key prefix that no other node uses.
   *
   * @return the prefix, ending in a colon
   */
  public static String newRedisPrefix() {
    return "lockstep:tk:" + UUID.randomUUID().toString().substring(0, 8) + ":";
  }

  private static void execute(String sql) {
    PostgresTarget server = postgres();
    try (Connection connection = DriverManager.getConnection(server.jdbcUrl(), server.user(), server.password());
         Statement statement = connection.createStatement()) {
      statement.execute(sql);
    } catch (SQLException e) {
      throw new IllegalStateException(sql + " failed on " + server.host() + ":" + server.port() + ": " + e.getMessage(), e);
    }
  }

  private static java.nio.file.Path temporaryFolder(String prefix) {
    try {
      return Files.createTempDirectory(prefix);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void closeQuietly(EmbeddedPostgres embedded) {
    try {
      embedded.close();
    } catch (IOException ignored) {
      // the JVM is exiting and the folder is temporary
    }
  }
}
