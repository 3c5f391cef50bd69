package io.lockstep.auth;

import io.lockstep.client.Transport;
import io.lockstep.test.LockstepNode;
import io.lockstep.test.TestDevice;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Correctly signed tokens with claims of the wrong type or outside their time window: each gets a
 * clear answer at once (never a hang or a 500), with jwt.leeway_seconds (60 by default) of skew, and
 * only a passed exp is token_expired.
 */
class TokenClaimsTest {

  @RegisterExtension
  static final LockstepNode NODE = new LockstepNode();

  private static JWTAuth signer() {
    return JWTAuth.create(NODE.vertx(), new JWTAuthOptions()
        .addPubSecKey(new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(LockstepNode.JWT_SECRET)));
  }

  private static String token(JsonObject claims) {
    return signer().generateToken(claims, new JWTOptions().setNoTimestamp(true));
  }

  private static long now() {
    return System.currentTimeMillis() / 1000;
  }

  @Test
  void claimsOfTheWrongTypeAreUnauthorizedAtOnce() {
    assertRefused(token(new JsonObject().put("sub", "ann").put("exp", "tomorrow")), "unauthorized");
    assertRefused(token(new JsonObject().put("sub", "ann").put("nbf", "now")), "unauthorized");
    assertRefused(token(new JsonObject().put("sub", "ann").put("iat", true)), "unauthorized");
    assertRefused(token(new JsonObject().put("sub", 42)), "unauthorized");
    assertRefused(token(new JsonObject().put("sub", "")), "unauthorized");
    var rest = NODE.request(HttpMethod.GET, "/v1/devices", token(new JsonObject().put("sub", "ann").put("exp", "tomorrow")), null);
    assertEquals(401, rest.statusCode(), rest.bodyAsString());
    assertEquals("unauthorized", rest.bodyAsJsonObject().getString("code"));
  }

  @Test
  void theTimeWindowAllowsTheConfiguredSkewAndOnlyAPassedExpIsTokenExpired() {
    assertWelcomed(token(new JsonObject().put("sub", "bea").put("iat", now() + 1).put("exp", now() + 3600)),
        "issued a second in the future, within the leeway");
    assertWelcomed(token(new JsonObject().put("sub", "bea").put("exp", now() - 30)), "expired 30 s ago, within the leeway");
    assertRefused(token(new JsonObject().put("sub", "bea").put("exp", now() - 120)), "token_expired");
    assertRefused(token(new JsonObject().put("sub", "bea").put("nbf", now() + 600)), "unauthorized");
    assertRefused(token(new JsonObject().put("sub", "bea").put("iat", now() + 600)), "unauthorized");
  }

  private static void assertRefused(String token, String code) {
    TestDevice device = NODE.deviceWithToken(token, Transport.WEBSOCKET);
    device.connect();
    assertEquals(code, device.hello().getString("code"));
    assertEquals(4001, device.awaitClose(Duration.ofSeconds(5)));
  }

  private static void assertWelcomed(String token, String why) {
    TestDevice device = NODE.deviceWithToken(token, Transport.WEBSOCKET);
    device.connect();
    assertEquals("welcome", device.hello().getString("type"), why);
    device.disconnect();
  }
}
