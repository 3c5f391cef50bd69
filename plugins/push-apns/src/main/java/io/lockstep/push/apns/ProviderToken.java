package io.lockstep.push.apns;

import io.vertx.core.json.JsonObject;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.Signature;
import java.security.interfaces.ECPrivateKey;
import java.util.Base64;

/**
 * The JWT that authenticates this provider to APNs: header {@code {"alg": "ES256", "kid": key_id}},
 * claims {@code {"iss": team_id, "iat": <seconds>}}, signed with the team's P-256 key. The same token
 * is reused until it is {@code token_refresh_seconds} old, then signed anew; a token APNs refused is
 * replaced on the next push.
 *
 * @implNote Not thread-safe: the provider verticle uses it from its own event loop only. JWS wants the
 * ECDSA signature as the two 32-byte numbers r and s side by side, which is what the JDK's
 * {@code SHA256withECDSAinP1363Format} produces.
 */
final class ProviderToken {

  private static final Base64.Encoder BASE64URL = Base64.getUrlEncoder().withoutPadding();

  private final String teamId;
  private final ECPrivateKey signingKey;
  private final long refreshMillis;
  private final String encodedHeader;
  private String jwt;
  private long issuedAtMillis;

  ProviderToken(ApnsConfig config) {
    this.teamId = config.teamId();
    this.signingKey = config.signingKey();
    this.refreshMillis = config.tokenRefreshSeconds() * 1000;
    this.encodedHeader = base64url(new JsonObject().put("alg", "ES256").put("kid", config.keyId()));
  }

  /** The token to send now: the cached one while it is younger than the refresh interval. */
  String current() {
    long now = System.currentTimeMillis();
    if (jwt == null || now - issuedAtMillis >= refreshMillis) {
      jwt = sign(now / 1000);
      issuedAtMillis = now;
    }
    return jwt;
  }

  /** APNs refused {@code token}: the next push signs a new one, unless another push already did. */
  void refused(String token) {
    if (token.equals(jwt)) {
      jwt = null;
    }
  }

  private String sign(long issuedAtSeconds) {
    String signingInput = encodedHeader + "." + base64url(new JsonObject().put("iss", teamId).put("iat", issuedAtSeconds));
    try {
      Signature ecdsa = Signature.getInstance("SHA256withECDSAinP1363Format");
      ecdsa.initSign(signingKey);
      ecdsa.update(signingInput.getBytes(StandardCharsets.US_ASCII));
      return signingInput + "." + BASE64URL.encodeToString(ecdsa.sign());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot sign the APNs provider token", e);
    }
  }

  private static String base64url(JsonObject json) {
    return BASE64URL.encodeToString(json.encode().getBytes(StandardCharsets.UTF_8));
  }
}
