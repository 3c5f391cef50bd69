package io.lockstep.sync;

import io.lockstep.config.LockstepConfig.DevicesConfig;
import io.lockstep.metrics.LockstepMetrics;
import io.lockstep.presence.PresenceRegistry;
import io.lockstep.store.DeviceStore;
import io.lockstep.store.DeviceStore.Expired;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.sqlclient.Pool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;

/**
 * The device lifecycle's clock: every sweep interval it revokes the devices that have drained after an
 * unlink request (or passed its deadline) and those without a hello for devices.max_idle, each with the
 * usual `revoked` event and closed connections, and drops push tokens older than push.token_max_age.
 * Deployed once per node; the nodes may sweep at the same time (a device revoked twice is refused the
 * second time, and nothing else is done twice).
 */
public final class DeviceSweepVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(DeviceSweepVerticle.class);
  private static final int BATCH = 200;
  /** Batches per sweep at most, so that a first sweep over many idle devices spreads over a few intervals. */
  private static final int MAX_BATCHES = 10;

  private final DevicesConfig config;
  private final Duration tokenMaxAge;
  private final Pool pool;
  private final PresenceRegistry presence;
  private final LockstepMetrics metrics;
  private DeviceStore devices;
  private DeviceChanges changes;
  private long timer;
  private boolean sweeping;

  public DeviceSweepVerticle(DevicesConfig config, Duration tokenMaxAge, Pool pool, PresenceRegistry presence,
                             LockstepMetrics metrics) {
    this.config = config;
    this.tokenMaxAge = tokenMaxAge;
    this.pool = pool;
    this.presence = presence;
    this.metrics = metrics;
  }

  @Override
  public Future<?> start() {
    devices = new DeviceStore(pool);
    changes = new DeviceChanges(new Delivery(vertx, presence, metrics), devices, metrics);
    timer = vertx.setPeriodic(config.sweepInterval().toMillis(), tick -> sweep());
    return Future.succeededFuture();
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(timer);
    return Future.succeededFuture();
  }

  private void sweep() {
    if (sweeping) {
      return;
    }
    sweeping = true;
    revokeExpired(MAX_BATCHES)
        .compose(v -> devices.dropStaleTokens(tokenMaxAge))
        .onSuccess(dropped -> dropped.forEach(provider -> metrics.pushToken("stale")))
        .onFailure(failure -> LOG.warn("the device sweep failed: {}", failure.getMessage()))
        .onComplete(done -> sweeping = false);
  }

  /** Revokes the expired devices one after another, batch after batch while batches are full. */
  private Future<Void> revokeExpired(int batches) {
    return devices.expired(config.maxIdle(), BATCH).compose(expired -> {
      Future<Void> chain = Future.succeededFuture();
      for (Expired device : expired) {
        chain = chain.compose(v -> devices.revoke(device.userId(), device.deviceId())
            .map(change -> {
              changes.committed(change);
              metrics.deviceExpired(device.reason());
              LOG.info("revoked device {} of {} ({})", device.deviceId(), device.userId(), device.reason());
              return (Void) null;
            })
            .otherwise(failure -> null));
      }
      return chain.compose(v -> expired.size() == BATCH && batches > 1 ? revokeExpired(batches - 1)
          : Future.succeededFuture());
    });
  }
}
