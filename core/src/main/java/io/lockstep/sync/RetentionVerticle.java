package io.lockstep.sync;

import io.lockstep.config.LockstepConfig.RetentionConfig;
import io.lockstep.metrics.LockstepMetrics;
import io.lockstep.store.LogStore;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.sqlclient.Pool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Prunes user logs to the retention window (events per user and/or age) every prune interval,
 * moving each user's retention floor. A device whose cursor is below its floor gets a snapshot
 * (reset) instead of a gappy backlog.
 */
public final class RetentionVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(RetentionVerticle.class);
  private static final int BATCH = 500;

  private final RetentionConfig config;
  private final Pool pool;
  private final LockstepMetrics metrics;
  private LogStore log;
  private long timer = -1;
  private boolean running;

  public RetentionVerticle(RetentionConfig config, Pool pool, LockstepMetrics metrics) {
    this.config = config;
    this.pool = pool;
    this.metrics = metrics;
  }

  @Override
  public Future<?> start() {
    log = new LogStore(pool);
    if (config.maxEvents() > 0 || !config.maxAge().isZero()) {
      timer = vertx.setPeriodic(config.pruneInterval().toMillis(), id -> pruneAll());
    }
    return Future.succeededFuture();
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(timer);
    return Future.succeededFuture();
  }

  private void pruneAll() {
    if (running) {
      return;
    }
    running = true;
    pruneBatches(0).compose(moved -> log.devicesBehindFloor().map(behind -> {
      metrics.devicesBehindRetention(behind);
      return moved;
    })).onComplete(done -> {
      running = false;
      if (done.failed()) {
        LOG.warn("retention pruning failed; it runs again in {}", config.pruneInterval(), done.cause());
      } else if (done.result() > 0) {
        LOG.info("retention moved the floor of {} user logs", done.result());
      }
    });
  }

  private Future<Integer> pruneBatches(int movedSoFar) {
    return log.prune(config.maxEvents(), config.maxAge(), BATCH)
        .compose(moved -> moved < BATCH ? Future.succeededFuture(movedSoFar + moved) : pruneBatches(movedSoFar + moved));
  }
}
