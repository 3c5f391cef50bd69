package io.lockstep.notify;

import io.lockstep.config.LockstepConfig.PushConfig;
import io.lockstep.metrics.LockstepMetrics;
import io.lockstep.plugin.Contract;
import io.lockstep.presence.PresenceRegistry;
import io.lockstep.store.PushStore;
import io.lockstep.store.PushStore.Claimed;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Drains the push outbox: every poll it takes the due pushes of the providers this node serves (rows
 * locked with SKIP LOCKED, so the nodes of a cluster share the work without sending a push twice; a
 * node without a provider leaves its pushes to the nodes that have it), drops those whose device is now
 * connected or has no token or whose message was read meanwhile, checks once more that it still holds
 * each push (a revoke deletes them, so nothing is sent to a device after its revoke committed), and
 * hands the others to the provider's plugin on
 * {@code lockstep.push.<provider>}. The answer decides: sent, token pruned, retried later with
 * exponential backoff and jitter, or dead-lettered after the last attempt. Deployed once per node.
 */
public final class PushOutboxVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(PushOutboxVerticle.class);
  private static final int MAINTENANCE_EVERY_POLLS = 20;
  private static final Set<String> ANSWERS = Set.of("sent", "dead_token", "retry", "failed");

  private final PushConfig config;
  private final Set<String> providers;
  private final Pool pool;
  private final PresenceRegistry presence;
  private final LockstepMetrics metrics;
  private PushStore store;
  private long timer;
  private boolean polling;
  private boolean stopped;
  private int polls;

  public PushOutboxVerticle(PushConfig config, Set<String> providers, Pool pool, PresenceRegistry presence,
                            LockstepMetrics metrics) {
    this.config = config;
    this.providers = Set.copyOf(providers);
    this.pool = pool;
    this.presence = presence;
    this.metrics = metrics;
  }

  @Override
  public Future<?> start() {
    store = new PushStore(pool);
    timer = vertx.setPeriodic(config.pollInterval().toMillis(), tick -> poll());
    return Future.succeededFuture();
  }

  @Override
  public Future<?> stop() {
    stopped = true;
    vertx.cancelTimer(timer);
    return Future.succeededFuture();
  }

  private void poll() {
    if (polling || stopped) {
      return;
    }
    polling = true;
    Future<Void> maintenance = polls++ % MAINTENANCE_EVERY_POLLS == 0 ? maintain() : Future.succeededFuture();
    maintenance.compose(v -> drain())
        .onFailure(failure -> LOG.warn("the push outbox could not be drained: {}", failure.getMessage()))
        .onComplete(done -> polling = false);
  }

  /** Sends due pushes batch after batch until fewer than a batch are due. */
  private Future<Void> drain() {
    return store.claim(providers, config.batch(), config.lease()).compose(claimed -> {
      Map<String, Tally> tallies = new HashMap<>();
      List<Future<Void>> sends = new ArrayList<>(claimed.size());
      claimed.forEach(push -> sends.add(deliver(push, tallies.computeIfAbsent(push.provider(), p -> new Tally()))
          .recover(failure -> {
            LOG.warn("push {} to device {} could not be settled: {}", push.id(), push.deviceId(), failure.getMessage());
            return Future.succeededFuture();
          })));
      return Future.join(sends)
          .compose(v -> store.addOutcomes(Tally.outcomes(tallies)))
          .compose(v -> claimed.size() == config.batch() && !stopped ? drain() : Future.succeededFuture());
    });
  }

  /** One provider's outcomes in one batch. */
  private static final class Tally {
    private long sent;
    private long retried;
    private long failed;
    private long pruned;
    private String lastError;

    static Map<String, PushStore.Outcomes> outcomes(Map<String, Tally> tallies) {
      Map<String, PushStore.Outcomes> outcomes = new HashMap<>();
      tallies.forEach((provider, tally) -> {
        if (tally.sent + tally.retried + tally.failed + tally.pruned > 0) {
          outcomes.put(provider, new PushStore.Outcomes(tally.sent, tally.retried, tally.failed, tally.pruned,
              tally.lastError));
        }
      });
      return outcomes;
    }
  }

  /** Takes back pushes of stopped workers, forgets old dead letters, and refreshes the depth gauge. */
  private Future<Void> maintain() {
    return store.reclaimExpired()
        .compose(reclaimed -> {
          if (reclaimed > 0) {
            LOG.info("took back {} pushes whose worker stopped while sending them", reclaimed);
          }
          return store.deleteDeadOlderThan(config.deadLetterRetention());
        })
        .compose(v -> store.depth())
        .map(depth -> {
          metrics.pushOutboxDepth(depth);
          return null;
        });
  }

  private Future<Void> deliver(Claimed push, Tally tally) {
    if (!push.deliverable()) {
      metrics.pushOutcome(push.provider(), "no_token");
      return store.drop(push);
    }
    if (push.read()) {
      metrics.pushSkippedRead.increment();
      return store.drop(push);
    }
    return presence.presenceOf(push.userId(), List.of(push.deviceId()))
        .map(live -> live.containsKey(push.deviceId()))
        .otherwise(false)
        .compose(connected -> {
          if (connected) {
            metrics.pushSkippedLive.increment();
            return store.drop(push);
          }
          return store.stillOwed(push).compose(owed -> !owed ? Future.succeededFuture()
              : vertx.eventBus().<JsonObject>request(Contract.PUSH_PROVIDER.address(push.provider()), request(push),
                      new DeliveryOptions().setSendTimeout(config.sendTimeout().toMillis()).setLocalOnly(true))
                  .map(reply -> reply.body())
                  .recover(failure -> Future.succeededFuture(unanswered(push, failure)))
                  .compose(answer -> settle(push, answer, tally)));
        });
  }

  private static JsonObject request(Claimed push) {
    JsonObject data = new JsonObject()
        .put("kind", push.kind())
        .put("conversation_id", push.conversationId())
        .put("badge", push.badge())
        .put("coalesced", push.coalesced());
    if (push.kind().equals("message")) {
      data.put("conv_seq", push.convSeq()).put("sender_user_id", push.senderUser());
    }
    if (!push.dismiss().isEmpty()) {
      data.put("dismiss", new JsonArray(push.dismiss()));
    }
    JsonObject request = new JsonObject()
        .put("push_id", push.id())
        .put("provider", push.provider())
        .put("user_id", push.userId())
        .put("device_id", push.deviceId())
        .put("token", push.token())
        .put("kind", push.kind())
        .put("collapse_id", push.conversationId())
        .put("badge", push.badge())
        .put("data", data);
    if (push.kind().equals("message")) {
      request.put("title", push.title()).put("body", push.body());
    }
    if (!push.dismiss().isEmpty()) {
      request.put("dismiss", new JsonArray(push.dismiss()));
    }
    return request;
  }

  /** No answer: no plugin serves the provider (yet), or it did not answer in time. Both are retried. */
  private static JsonObject unanswered(Claimed push, Throwable failure) {
    String detail = failure instanceof ReplyException reply && reply.failureType() == ReplyFailure.NO_HANDLERS
        ? "no plugin serves push provider '" + push.provider() + "' on this node"
        : failure instanceof ReplyException reply && reply.failureType() == ReplyFailure.TIMEOUT
            ? "provider '" + push.provider() + "' did not answer within the send timeout"
            : failure.getMessage();
    return new JsonObject().put("status", "retry").put("detail", detail);
  }

  private Future<Void> settle(Claimed push, JsonObject answer, Tally tally) {
    String answered = answer.getValue("status") instanceof String text ? text : "";
    String status = ANSWERS.contains(answered) ? answered : "failed";
    String detail = answer.getValue("detail") instanceof String text ? text
        : ANSWERS.contains(answered) ? answered : "the provider answered an unknown status '" + answered + "'";
    metrics.pushOutcome(push.provider(), status);
    switch (status) {
      case "sent" -> {
        metrics.pushLatency.record(Duration.between(push.createdAt(), OffsetDateTime.now()).toMillis(), TimeUnit.MILLISECONDS);
        tally.sent++;
        return store.sent(push);
      }
      case "dead_token" -> {
        tally.pruned++;
        return store.prune(push).map(pruned -> {
          if (pruned) {
            metrics.pushToken("pruned");
          }
          return null;
        });
      }
      case "retry" -> {
        tally.lastError = detail;
        if (push.attempts() >= config.maxAttempts()) {
          tally.failed++;
          return store.dead(push, "gave up after " + push.attempts() + " attempts: " + detail);
        }
        tally.retried++;
        return store.retry(push, retryDelay(push.attempts(), answer.getLong("retry_after_ms")), detail);
      }
      default -> {
        tally.lastError = detail;
        tally.failed++;
        return store.dead(push, detail);
      }
    }
  }

  /** backoff_base × 2^(attempt−1), at most backoff_max, ±50 % jitter; a provider's Retry-After wins if longer. */
  private Duration retryDelay(int attempt, Long retryAfterMs) {
    long base = config.backoffBase().toMillis();
    long capped = Math.min(config.backoffMax().toMillis(), base << Math.min(attempt - 1, 30));
    long jittered = (long) (capped * (0.5 + ThreadLocalRandom.current().nextDouble()));
    long delay = retryAfterMs == null ? jittered : Math.max(jittered, Math.min(retryAfterMs, config.backoffMax().toMillis()));
    return Duration.ofMillis(delay);
  }
}
