package io.lockstep.push.webpush;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Base64;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/** How long a VAPID token is reused, on a clock the test moves. */
class VapidTokensTest {

  private static final String PUSH_SERVICE = "https://push.example.net";

  private final MovableClock clock = new MovableClock(Instant.parse("2030-01-01T00:00:00Z"));
  private final VapidTokens tokens = new VapidTokens(keys(), "https://lockstep.example/contact", clock);

  @Test
  void aTokenIsReusedUntilAnHourBeforeItExpires() {
    String first = tokens.authorization(PUSH_SERVICE);
    assertEquals(clock.now.plus(Duration.ofHours(12)).getEpochSecond(), claims(first).getLong("exp"));

    clock.now = clock.now.plus(Duration.ofHours(10)).plusSeconds(59 * 60);
    assertEquals(first, tokens.authorization(PUSH_SERVICE));

    clock.now = clock.now.plusSeconds(60);
    String renewed = tokens.authorization(PUSH_SERVICE);
    assertNotEquals(first, renewed);
    assertEquals(clock.now.plus(Duration.ofHours(12)).getEpochSecond(), claims(renewed).getLong("exp"));
  }

  @Test
  void eachPushServiceGetsATokenForItsOwnOrigin() {
    JsonObject mozilla = claims(tokens.authorization("https://updates.push.services.mozilla.com"));
    JsonObject google = claims(tokens.authorization("https://fcm.googleapis.com"));

    assertEquals("https://updates.push.services.mozilla.com", mozilla.getString("aud"));
    assertEquals("https://fcm.googleapis.com", google.getString("aud"));
    assertEquals("https://lockstep.example/contact", google.getString("sub"));
  }

  private static JsonObject claims(String authorization) {
    String token = authorization.substring("vapid t=".length(), authorization.indexOf(','));
    return new JsonObject(new String(Base64.getUrlDecoder().decode(token.split("\\.")[1]), StandardCharsets.UTF_8));
  }

  private static VapidKeys keys() {
    var pair = P256.generateKeyPair();
    return new VapidKeys((ECPublicKey) pair.getPublic(), (ECPrivateKey) pair.getPrivate());
  }

  private static final class MovableClock extends Clock {

    Instant now;

    MovableClock(Instant now) {
      this.now = now;
    }

    @Override
    public Instant instant() {
      return now;
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }
  }
}
