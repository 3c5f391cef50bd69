package io.lockstep.push.webpush;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The VAPID (RFC 8292) Authorization header for each push service: {@code vapid t=<JWT>, k=<public key>},
 * the JWT signed with ES256 over {@code {"aud": <endpoint origin>, "exp", "sub": <subject>}}.
 * A token is valid for 12 hours and reused for its origin until less than one hour of it remains, so a
 * push service always sees an expiry between 1 and 12 hours ahead (RFC 8292 allows up to 24).
 *
 * @implNote Not thread-safe: each provider verticle owns one and uses it on its event loop. The cache
 *     keeps the most recently used {@value #MAX_ORIGINS} origins, since endpoints come from clients.
 */
final class VapidTokens {

  static final Duration LIFETIME = Duration.ofHours(12);
  static final Duration RENEW_BEFORE_EXPIRY = Duration.ofHours(1);
  private static final int MAX_ORIGINS = 256;

  private final JWSSigner signer;
  private final String publicKey;
  private final String subject;
  private final Clock clock;
  private final Map<String, Token> byOrigin = new LinkedHashMap<>(16, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, Token> eldest) {
      return size() > MAX_ORIGINS;
    }
  };

  VapidTokens(VapidKeys keys, String subject, Clock clock) {
    try {
      this.signer = new ECDSASigner(keys.privateKey());
    } catch (JOSEException e) {
      throw new IllegalArgumentException("the VAPID private key cannot sign ES256: " + e.getMessage(), e);
    }
    this.publicKey = keys.publicKeyBase64Url();
    this.subject = subject;
    this.clock = clock;
  }

  /** The Authorization header value for an endpoint of {@code origin}. */
  String authorization(String origin) {
    Instant now = clock.instant();
    Token token = byOrigin.get(origin);
    if (token == null || !now.isBefore(token.expires().minus(RENEW_BEFORE_EXPIRY))) {
      Instant expires = now.plus(LIFETIME);
      token = new Token("vapid t=" + sign(origin, expires) + ", k=" + publicKey, expires);
      byOrigin.put(origin, token);
    }
    return token.header();
  }

  private String sign(String audience, Instant expires) {
    JWTClaimsSet claims = new JWTClaimsSet.Builder()
        .audience(audience)
        .expirationTime(Date.from(expires))
        .subject(subject)
        .build();
    SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256).type(JOSEObjectType.JWT).build(), claims);
    try {
      jwt.sign(signer);
    } catch (JOSEException e) {
      throw new IllegalStateException("signing the VAPID token failed: " + e.getMessage(), e);
    }
    return jwt.serialize();
  }

  private record Token(String header, Instant expires) {
  }
}
