package io.lockstep.ops;

import io.lockstep.cluster.NodeRuntime;
import io.vertx.core.Vertx;
import io.vertx.ext.healthchecks.HealthChecks;
import io.vertx.ext.healthchecks.Status;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.sqlclient.Pool;


/** The readiness checks of a node: it is ready only when each of them is up. */
public final class Readiness {

  private Readiness() {
  }

  /**
   * postgres and redis answer within 2 s; migrations: the database holds the schema version this
   * build migrated to; cluster: in clustered mode, the node is a member.
   */
  public static HealthChecks checks(Vertx vertx, Pool pool, Redis redis, NodeRuntime runtime, String schemaVersion) {
    HealthChecks checks = HealthChecks.create(vertx);
    checks.register("postgres", 2000, promise -> pool.query("SELECT 1").execute()
        .onSuccess(rows -> promise.complete(Status.OK()))
        .onFailure(failure -> promise.complete(Status.KO().setData(new JsonObject()
            .put("error", failure.getMessage())))));
    checks.register("redis", 2000, promise -> redis.send(Request.cmd(Command.PING))
        .onSuccess(pong -> promise.complete(Status.OK()))
        .onFailure(failure -> promise.complete(Status.KO().setData(new JsonObject()
            .put("error", failure.getMessage())))));
    checks.register("migrations", 2000, promise -> pool.query(
            "SELECT max(version::int) AS version FROM flyway_schema_history WHERE success").execute()
        .onSuccess(rows -> {
          Integer version = rows.iterator().next().getInteger("version");
          promise.complete(version != null && version >= Integer.parseInt(schemaVersion) ? Status.OK()
              : Status.KO().setData(new JsonObject().put("schema", version).put("expected", schemaVersion)));
        })
        .onFailure(failure -> promise.complete(Status.KO().setData(new JsonObject()
            .put("error", failure.getMessage())))));
    checks.register("cluster", promise -> promise.complete(!runtime.clustered() || runtime.clusterManager().isActive()
        ? Status.OK() : Status.KO()));
    return checks;
  }
}
