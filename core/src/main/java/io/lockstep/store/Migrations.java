package io.lockstep.store;

import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.output.MigrateResult;

/** Brings the schema up to date with Flyway's versioned scripts under db/migration. Blocking: run on a worker. */
public final class Migrations {

  private Migrations() {
  }

  public static MigrateResult migrate(String jdbcUrl, String user, String password) {
    return Flyway.configure()
        .dataSource(jdbcUrl, user, password)
        .locations("classpath:db/migration")
        .load()
        .migrate();
  }
}
