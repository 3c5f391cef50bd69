package io.lockstep.limits;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.local.SynchronizationStrategy;
import io.lockstep.config.LimitsConfig;
import io.lockstep.config.LimitsConfig.Rate;
import io.lockstep.config.LimitsConfig.Rated;
import io.lockstep.metrics.LockstepMetrics;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The node's rate limits: token buckets (Bucket4j) per user, per client address and per console user
 * name, kept in bounded caches that forget a key once its bucket would be full again, and the count
 * of each user's connections. Every refusal is counted in lockstep_rate_limited_total{limit}.
 * Thread-safe: shared by the node's event loops.
 */
public final class RateLimits {

  /** Keys (users, addresses) remembered per limit; beyond it the least recently used is forgotten. */
  private static final int MAX_KEYS = 100_000;

  private final LimitsConfig config;
  private final LockstepMetrics metrics;
  private final Map<Rated, Cache<String, Bucket>> buckets = new EnumMap<>(Rated.class);
  private final ConcurrentHashMap<String, Integer> connections = new ConcurrentHashMap<>();

  public RateLimits(LimitsConfig config, LockstepMetrics metrics) {
    this.config = config;
    this.metrics = metrics;
    List<String> labels = new ArrayList<>(List.of(Refusal.CONNECTIONS_PER_USER, Refusal.SLOW_CONSUMER, Refusal.IN_FLIGHT));
    config.rates().keySet().forEach(rated -> labels.add(rated.label()));
    metrics.rateLimits(labels);
    config.rates().forEach((rated, rate) -> {
      if (rate.enabled()) {
        buckets.put(rated, Caffeine.newBuilder().maximumSize(MAX_KEYS).expireAfterAccess(refillTime(rate)).build());
      }
    });
  }

  public LimitsConfig config() {
    return config;
  }

  /**
   * Takes cost tokens from the key's bucket of a shared limit: null when allowed, else the refusal
   * (counted) with the wait until they would be there.
   */
  public Refusal take(Rated rated, String key, long cost) {
    Cache<String, Bucket> cache = buckets.get(rated);
    if (cache == null) {
      return null;
    }
    Bucket bucket = cache.get(key, k -> newBucket(config.rate(rated), SynchronizationStrategy.LOCK_FREE));
    return take(bucket, rated, cost);
  }

  /** A bucket of a per-connection limit, for one event loop only; null when the limit is off. */
  public Bucket connectionBucket(Rated rated) {
    Rate rate = config.rate(rated);
    return rate.enabled() ? newBucket(rate, SynchronizationStrategy.NONE) : null;
  }

  /** Takes cost tokens from a bucket of {@link #connectionBucket}; null bucket: no limit. */
  public Refusal take(Bucket bucket, Rated rated, long cost) {
    if (bucket == null) {
      return null;
    }
    ConsumptionProbe probe = bucket.tryConsumeAndReturnRemaining(cost);
    if (probe.isConsumed()) {
      return null;
    }
    return refused(rated, cost > config.rate(rated).burst() ? -1
        : Math.max(1, TimeUnit.NANOSECONDS.toMillis(probe.getNanosToWaitForRefill())));
  }

  /** Gives back tokens taken from a shared bucket when a later limit refused the same request. */
  public void giveBack(Rated rated, String key, long cost) {
    Cache<String, Bucket> cache = buckets.get(rated);
    Bucket bucket = cache == null ? null : cache.getIfPresent(key);
    if (bucket != null) {
      bucket.addTokens(cost);
    }
  }

  /** Takes one token if there is one, refusing nothing: counts an attempt that was already checked. */
  void count(Rated rated, String key) {
    Cache<String, Bucket> cache = buckets.get(rated);
    if (cache != null) {
      cache.get(key, k -> newBucket(config.rate(rated), SynchronizationStrategy.LOCK_FREE)).tryConsume(1);
    }
  }

  /** How long until the key's bucket holds one token again (0: it does now), without taking any. */
  long waitForOne(Rated rated, String key) {
    Cache<String, Bucket> cache = buckets.get(rated);
    Bucket bucket = cache == null ? null : cache.getIfPresent(key);
    if (bucket == null) {
      return 0;
    }
    return TimeUnit.NANOSECONDS.toMillis(bucket.estimateAbilityToConsume(1).getNanosToWaitForRefill());
  }

  /** Whether the key's bucket has been drawn on within its refill time (it is not full). */
  boolean drawnOn(Rated rated, String key) {
    Cache<String, Bucket> cache = buckets.get(rated);
    Bucket bucket = cache == null ? null : cache.getIfPresent(key);
    return bucket != null && bucket.getAvailableTokens() < config.rate(rated).burst();
  }

  /** Counts one more connection of the user; false (counted as refused) when the user is at the limit. */
  public boolean openConnection(String userId) {
    int limit = config.connectionsPerUser();
    boolean[] admitted = {true};
    connections.compute(userId, (user, open) -> {
      int count = open == null ? 0 : open;
      if (limit > 0 && count >= limit) {
        admitted[0] = false;
        return open;
      }
      return count + 1;
    });
    if (!admitted[0]) {
      metrics.rateLimited(Refusal.CONNECTIONS_PER_USER);
    }
    return admitted[0];
  }

  public void closeConnection(String userId) {
    connections.computeIfPresent(userId, (user, open) -> open <= 1 ? null : open - 1);
  }

  Refusal refused(Rated rated, long retryAfterMs) {
    metrics.rateLimited(rated.label());
    return new Refusal(rated.label(), retryAfterMs);
  }

  private static Bucket newBucket(Rate rate, SynchronizationStrategy synchronization) {
    return Bucket.builder()
        .addLimit(limit -> limit.capacity(rate.burst()).refillGreedy(rate.tokens(), rate.per()))
        .withSynchronizationStrategy(synchronization)
        .build();
  }

  /** How long an emptied bucket takes to be full again; after that a forgotten bucket is the same as a new one. */
  private static Duration refillTime(Rate rate) {
    return Duration.ofNanos(Math.max(1, rate.per().toNanos() / rate.tokens() * rate.burst()));
  }
}
