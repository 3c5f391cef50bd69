package io.lockstep.store;

import io.vertx.pgclient.PgConnectOptions;

/** One PostgreSQL database, reachable both by the reactive client and by JDBC (for Flyway). */
public record PostgresTarget(String host, int port, String database, String user, String password) {

  /** Parses postgresql://user:password@host:port/database (the form of LOCKSTEP_PG_URL). */
  public static PostgresTarget parse(String url) {
    PgConnectOptions options = PgConnectOptions.fromUri(url);
    return new PostgresTarget(options.getHost(), options.getPort(), options.getDatabase(), options.getUser(),
        options.getPassword());
  }

  public String url() {
    String auth = password == null || password.isEmpty() ? user : user + ":" + password;
    return "postgresql://" + auth + "@" + host + ":" + port + "/" + database;
  }

  public String jdbcUrl() {
    return "jdbc:postgresql://" + host + ":" + port + "/" + database;
  }

  public PgConnectOptions connectOptions() {
    return new PgConnectOptions()
        .setHost(host).setPort(port).setDatabase(database).setUser(user).setPassword(password)
        .setCachePreparedStatements(true)
        .setPipeliningLimit(256);
  }
}
