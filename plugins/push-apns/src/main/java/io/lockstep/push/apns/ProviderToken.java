package io.lockstep.push.apns;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;

import java.util.Date;

/**
 * The JWT that authenticates this provider to APNs: header {@code {"alg": "ES256", "kid": key_id}},
 * claims {@code {"iss": team_id, "iat": <seconds>}}, signed with the team's P-256 key (nimbus-jose-jwt,
 * as the fcm and webpush providers sign theirs). The same token is reused until it is
 * {@code token_refresh_seconds} old, then signed anew; a token APNs refused is replaced on the next push.
 *
 * @implNote Not thread-safe: the provider verticle uses it from its own event loop only.
 */
final class ProviderToken {

  private final String teamId;
  private final JWSHeader header;
  private final JWSSigner signer;
  private final long refreshMillis;
  private String jwt;
  private long issuedAtMillis;

  ProviderToken(ApnsConfig config) {
    this.teamId = config.teamId();
    this.header = new JWSHeader.Builder(JWSAlgorithm.ES256).keyID(config.keyId()).build();
    try {
      this.signer = new ECDSASigner(config.signingKey());
    } catch (JOSEException e) {
      throw new IllegalArgumentException("the APNs signing key cannot sign ES256: " + e.getMessage(), e);
    }
    this.refreshMillis = config.tokenRefreshSeconds() * 1000;
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
    SignedJWT token = new SignedJWT(header,
        new JWTClaimsSet.Builder().issuer(teamId).issueTime(new Date(issuedAtSeconds * 1000)).build());
    try {
      token.sign(signer);
    } catch (JOSEException e) {
      throw new IllegalStateException("cannot sign the APNs provider token: " + e.getMessage(), e);
    }
    return token.serialize();
  }
}
