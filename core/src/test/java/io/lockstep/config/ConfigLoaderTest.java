package io.lockstep.config;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static io.lockstep.test.LockstepNode.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The configuration: documented defaults, one environment variable per key, and clear errors. */
class ConfigLoaderTest {

  private static Vertx vertx;

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void stop() {
    await(vertx.close());
  }

  @Test
  void theBundledDefaultsParse() {
    LockstepConfig config = await(ConfigLoader.load(vertx, new JsonObject()));
    assertEquals(LockstepConfig.Mode.DEV, config.mode());
    assertEquals(Duration.ofDays(30), config.retention().maxAge());
    assertEquals(Duration.ofMinutes(1), config.retention().pruneInterval());
    assertEquals(65536, config.session().maxFrameBytes());
    assertTrue(config.presenceTtl().compareTo(Duration.ofSeconds(30)) <= 0, "presence TTL is at most 30 s");
  }

  @Test
  void devModeListensOnLoopbackUnlessAHostIsSet() {
    assertEquals("127.0.0.1", await(ConfigLoader.load(vertx, new JsonObject())).http().host());
    assertEquals("0.0.0.0", await(ConfigLoader.load(vertx, new JsonObject().put("mode", "production"))).http().host());
    assertEquals("0.0.0.0", await(ConfigLoader.load(vertx,
        new JsonObject().put("http", new JsonObject().put("host", "0.0.0.0")))).http().host(), "an explicit host is kept");
  }

  @Test
  void theLimitsHaveSafeDefaultsAndRefuseNonsense() {
    LockstepConfig config = await(ConfigLoader.load(vertx, new JsonObject()));
    assertEquals(LockstepConfig.PerDevice.ALLOW, config.session().perDevice());
    assertEquals(false, config.session().compression());
    assertEquals(60, config.jwt().leewaySeconds());
    config.limits().rates().forEach((rated, rate) -> assertTrue(rate.enabled(), rated + " is on by default"));
    Exception bad = assertThrows(Exception.class, () -> await(ConfigLoader.load(vertx, new JsonObject()
        .put("limits", new JsonObject().put("sends", new JsonObject()
            .put("user", new JsonObject().put("tokens", 50).put("per", "1s").put("burst", 10)))))));
    assertTrue(bad.getMessage().contains("limits.sends.user.burst"), bad.getMessage());
  }

  @Test
  void theConsoleKeepsAnHourOfHistoryAndRefusesThresholdsThatAreNotNumbers() {
    LockstepConfig config = await(ConfigLoader.load(vertx, new JsonObject()));
    assertEquals(720, config.admin().console().samples(), "an hour at 5 s");
    assertEquals(100.0, config.admin().console().thresholds().deliveryP99Ms(), "the documented alert's threshold");
    JsonObject admin = new JsonObject().put("thresholds", new JsonObject().put("error_rate", "-1"));
    Exception negative = assertThrows(Exception.class, () -> await(ConfigLoader.load(vertx,
        new JsonObject().put("admin", admin))));
    assertTrue(negative.getMessage().contains("admin.thresholds.error_rate"), negative.getMessage());
    Exception tooFine = assertThrows(Exception.class, () -> await(ConfigLoader.load(vertx,
        new JsonObject().put("admin", new JsonObject().put("sample_interval", "10ms")))));
    assertTrue(tooFine.getMessage().contains("admin.sample_interval"), tooFine.getMessage());
    assertEquals(0.5, await(ConfigLoader.load(vertx, new JsonObject().put("admin", new JsonObject()
        .put("thresholds", new JsonObject().put("slow_consumer_rate", "0.5")))))
        .admin().console().thresholds().slowConsumerRate(), "a rate may be a fraction, also as text");
  }

  @Test
  void anEnvironmentVariableOverridesItsKey() {
    assertEquals("777", System.getenv("LOCKSTEP_CONVERSATIONS_MAX_GROUP_MEMBERS"), "set by the surefire configuration");
    LockstepConfig config = await(ConfigLoader.load(vertx, new JsonObject()));
    assertEquals(777, config.conversations().maxGroupMembers());
  }

  @Test
  void everyKeyHasAnEnvironmentVariableNamedAfterItsPath() {
    JsonObject defaults = new JsonObject().put("mode", "dev")
        .put("pg", new JsonObject().put("url", "")).put("redis", new JsonObject().put("url", ""))
        .put("jwt", new JsonObject().put("secret", "")).put("api", new JsonObject().put("key", ""))
        .put("http", new JsonObject().put("port", 8080))
        .put("retention", new JsonObject().put("max_events", 1).put("max_age", "1d").put("prune_interval", "1m"));
    Map<String, List<String>> names = ConfigLoader.variableNames(defaults);
    assertEquals(List.of("pg", "url"), names.get("LOCKSTEP_PG_URL"));
    assertEquals(List.of("redis", "url"), names.get("LOCKSTEP_REDIS_URL"));
    assertEquals(List.of("jwt", "secret"), names.get("LOCKSTEP_JWT_SECRET"));
    assertEquals(List.of("api", "key"), names.get("LOCKSTEP_API_KEY"));
    assertEquals(List.of("http", "port"), names.get("LOCKSTEP_HTTP_PORT"));
    assertEquals(List.of("retention", "max_events"), names.get("LOCKSTEP_RETENTION_MAX_EVENTS"));
    assertEquals(List.of("retention", "max_age"), names.get("LOCKSTEP_RETENTION_MAX_AGE"));
    assertEquals(List.of("retention", "prune_interval"), names.get("LOCKSTEP_RETENTION_PRUNE_INTERVAL"));
    assertEquals(List.of("mode"), names.get("LOCKSTEP_MODE"));
  }

  @Test
  void overridesAreTypedAndBadValuesNameTheirKey() {
    LockstepConfig config = await(ConfigLoader.load(vertx, new JsonObject()
        .put("http", new JsonObject().put("port", "9090"))
        .put("retention", new JsonObject().put("max_age", "12h"))));
    assertEquals(9090, config.http().port());
    assertEquals(Duration.ofHours(12), config.retention().maxAge());

    IllegalStateException bad = assertThrows(IllegalStateException.class, () -> await(ConfigLoader.load(vertx,
        new JsonObject().put("retention", new JsonObject().put("prune_interval", "soon")))));
    assertTrue(bad.getMessage().contains("retention.prune_interval"), bad.getMessage());
    IllegalStateException mode = assertThrows(IllegalStateException.class, () -> await(ConfigLoader.load(vertx,
        new JsonObject().put("mode", "staging"))));
    assertTrue(mode.getMessage().contains("mode"), mode.getMessage());
  }

  @Test
  void theConsoleAndMetricsShareTheClientPortUnlessAdminPortIsSet() {
    LockstepConfig shared = await(ConfigLoader.load(vertx, new JsonObject()));
    assertEquals(false, shared.admin().ownPort(), "by default they are served on http.port");

    LockstepConfig own = await(ConfigLoader.load(vertx, new JsonObject().put("admin", new JsonObject().put("port", "9091"))));
    assertTrue(own.admin().ownPort());
    assertEquals(9091, own.admin().port());
    assertEquals(own.http().host(), own.admin().host(), "an empty admin.host is http.host");
    assertEquals("10.0.0.5", await(ConfigLoader.load(vertx, new JsonObject().put("admin",
        new JsonObject().put("port", 9091).put("host", "10.0.0.5")))).admin().host());

    for (var bad : List.of(new JsonObject().put("port", 8080), new JsonObject().put("port", -1),
        new JsonObject().put("port", 70000))) {
      IllegalStateException error = assertThrows(IllegalStateException.class, () -> await(ConfigLoader.load(vertx,
          new JsonObject().put("http", new JsonObject().put("port", 8080)).put("admin", bad))));
      assertTrue(error.getMessage().contains("admin.port"), error.getMessage());
    }
  }

  @Test
  void pushSettingsParseAndContradictionsAreRefused() {
    LockstepConfig config = await(ConfigLoader.load(vertx, new JsonObject()));
    assertEquals(LockstepConfig.Preview.TEXT, config.push().preview());
    assertEquals(Duration.ofSeconds(1), config.push().coalesceWindow());
    assertEquals(8, config.push().maxAttempts());
    for (var bad : List.of(
        new JsonObject().put("preview", "everything"),
        new JsonObject().put("max_attempts", 0),
        new JsonObject().put("preview_length", 0),
        new JsonObject().put("lease", "10s").put("send_timeout", "30s"))) {
      IllegalStateException error = assertThrows(IllegalStateException.class,
          () -> await(ConfigLoader.load(vertx, new JsonObject().put("push", bad))));
      assertTrue(error.getMessage().contains("push." + bad.fieldNames().iterator().next()), error.getMessage());
    }
  }
}
