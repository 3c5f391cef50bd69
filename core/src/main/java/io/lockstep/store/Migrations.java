package io.lockstep.store;

import org.flywaydb.core.Flyway;

/** Brings the schema up to date with Flyway's versioned scripts under db/migration. Blocking: run on a worker. */
public final class Migrations {

  private Migrations() {
  }

  /** Migrates and answers the schema version the database is now at. */
  public static String migrate(String jdbcUrl, String user, String password) {
    Flyway flyway = Flyway.configure()
        .dataSource(jdbcUrl, user, password)
        .locations("classpath:db/migration")
        .load();
    flyway.migrate();
    return flyway.info().current().getVersion().getVersion();
  }
}
