package io.lockstep.config;

import io.lockstep.plugin.ConfigTree;

import java.time.Duration;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;

/**
 * What one connection, user or address may make a node hold or do (conf: {@code limits.*}): the
 * bytes queued for a connection, its requests in flight, a user's concurrent connections, and the
 * token buckets of every rate limit.
 */
public record LimitsConfig(Outbound outbound, int maxInFlight, int connectionsPerUser, Map<Rated, Rate> rates) {

  /**
   * Bytes waiting to be written to one connection: above highWaterBytes the connection stops reading
   * and fetching; above it for longer than slowConsumerTimeout, or above maxBytes at all, it is closed
   * with 4008.
   */
  public record Outbound(int highWaterBytes, int maxBytes, Duration slowConsumerTimeout) {}

  /** A token bucket: {@code tokens} are added every {@code per}, up to {@code burst}. Zero tokens: no limit. */
  public record Rate(long tokens, Duration per, long burst) {
    public boolean enabled() {
      return tokens > 0;
    }

    /** How long an empty bucket takes to hold this many tokens again. */
    public long millisFor(long count) {
      return Math.max(1, per.toMillis() * count / tokens);
    }
  }

  /** Every rate limit: what is counted ({@code limits.<section>}) and per what ({@code .<scope>}). */
  public enum Rated {
    FRAMES_CONNECTION, FRAMES_USER,
    SENDS_CONNECTION, SENDS_USER,
    MEMBERS_CONNECTION, MEMBERS_USER,
    SETTINGS_CONNECTION, SETTINGS_USER,
    DEVICES_USER,
    UPGRADES_IP, HELLOS_IP,
    SIGN_IN_IP, SIGN_IN_USERNAME;

    /** The configuration section, e.g. {@code sends}. */
    public String section() {
      return label().substring(0, label().lastIndexOf('_'));
    }

    /** The configuration key within the section, e.g. {@code user}. */
    public String scope() {
      return label().substring(label().lastIndexOf('_') + 1);
    }

    /** The value of the {@code limit} label of lockstep_rate_limited_total, e.g. {@code sends_user}. */
    public String label() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  public Rate rate(Rated rated) {
    return rates.get(rated);
  }

  static LimitsConfig from(ConfigTree limits) {
    ConfigTree outbound = limits.section("outbound");
    Outbound queue = new Outbound(outbound.integer("high_water_bytes"), outbound.integer("max_bytes"),
        outbound.duration("slow_consumer_timeout"));
    if (queue.highWaterBytes() < 1024 || queue.maxBytes() < queue.highWaterBytes()) {
      throw outbound.invalid("max_bytes", "must be at least high_water_bytes, which must be at least 1024");
    }
    if (queue.slowConsumerTimeout().isZero()) {
      throw outbound.invalid("slow_consumer_timeout", "must be above zero");
    }
    Map<Rated, Rate> rates = new EnumMap<>(Rated.class);
    for (Rated rated : Rated.values()) {
      ConfigTree bucket = limits.section(rated.section()).section(rated.scope());
      Rate rate = new Rate(bucket.longValue("tokens"), bucket.duration("per"), bucket.longValue("burst"));
      if (rate.tokens() < 0 || rate.enabled() && (rate.per().isZero() || rate.burst() < rate.tokens())) {
        throw bucket.invalid("burst", "must be at least tokens, with per above zero (tokens 0 switches the limit off)");
      }
      rates.put(rated, rate);
    }
    int inFlight = limits.integer("max_in_flight");
    if (inFlight < 1) {
      throw limits.invalid("max_in_flight", "must be at least 1");
    }
    return new LimitsConfig(queue, inFlight, limits.integer("connections_per_user"), Map.copyOf(rates));
  }
}
