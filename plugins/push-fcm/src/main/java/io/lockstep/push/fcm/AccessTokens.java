package io.lockstep.push.fcm;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;

import java.time.Duration;
import java.util.Date;

/**
 * OAuth2 access tokens for FCM, obtained by the JWT-bearer grant with the service account's key.
 * Guarantees at most one token request in flight: pushes that need a token while one is being fetched
 * wait for that same request. A token is reused until {@link #REFRESH_MARGIN} before it expires, or
 * until the send endpoint rejects it ({@link #forget(String)}).
 *
 * @implNote Not thread-safe: it lives on its verticle's event loop, like the WebClient it uses.
 */
final class AccessTokens {

  static final String SCOPE = "https://www.googleapis.com/auth/firebase.messaging";
  static final String GRANT_TYPE = "urn:ietf:params:oauth:grant-type:jwt-bearer";
  static final Duration ASSERTION_LIFETIME = Duration.ofHours(1);
  static final Duration REFRESH_MARGIN = Duration.ofMinutes(1);

  private final WebClient client;
  private final FcmConfig config;
  private final RSASSASigner signer;
  private String token;
  private long refreshAtMillis;
  private Future<String> inFlight;

  AccessTokens(WebClient client, FcmConfig config) {
    this.client = client;
    this.config = config;
    this.signer = new RSASSASigner(config.serviceAccount().privateKey());
  }

  /** A usable access token: the cached one, the one being fetched, or a freshly requested one. */
  Future<String> current() {
    if (token != null && System.currentTimeMillis() < refreshAtMillis) {
      return Future.succeededFuture(token);
    }
    if (inFlight == null) {
      inFlight = fetch().andThen(done -> inFlight = null);
    }
    return inFlight;
  }

  /** Drops the token if it is still the cached one, so that the next push fetches another. */
  void forget(String rejected) {
    if (rejected.equals(token)) {
      token = null;
    }
  }

  private Future<String> fetch() {
    String assertion;
    try {
      assertion = assertion();
    } catch (JOSEException e) {
      return Future.failedFuture(e);
    }
    MultiMap form = MultiMap.caseInsensitiveMultiMap().add("grant_type", GRANT_TYPE).add("assertion", assertion);
    return client.postAbs(config.tokenEndpoint())
        .timeout(config.requestTimeoutMs())
        .putHeader("Accept", "application/json")
        .sendForm(form)
        .compose(this::accept);
  }

  private String assertion() throws JOSEException {
    FcmConfig.ServiceAccount account = config.serviceAccount();
    long now = System.currentTimeMillis() / 1000 * 1000;
    JWSHeader header = new JWSHeader.Builder(JWSAlgorithm.RS256)
        .type(JOSEObjectType.JWT)
        .keyID(account.privateKeyId())
        .build();
    JWTClaimsSet claims = new JWTClaimsSet.Builder()
        .issuer(account.clientEmail())
        .claim("scope", SCOPE)
        .audience(config.tokenEndpoint())
        .issueTime(new Date(now))
        .expirationTime(new Date(now + ASSERTION_LIFETIME.toMillis()))
        .build();
    SignedJWT jwt = new SignedJWT(header, claims);
    jwt.sign(signer);
    return jwt.serialize();
  }

  private Future<String> accept(HttpResponse<Buffer> response) {
    JsonObject body = FcmAnswers.bodyOf(response);
    if (response.statusCode() != 200) {
      String reason = body.getString("error", "HTTP " + response.statusCode());
      String description = body.getString("error_description");
      return Future.failedFuture(new TokenEndpointError(response.statusCode(), response.getHeader("Retry-After"),
          "the token endpoint answered " + response.statusCode() + " " + reason
              + (description == null ? "" : ": " + description)));
    }
    String accessToken = body.getString("access_token");
    if (accessToken == null || accessToken.isEmpty()) {
      return Future.failedFuture(new IllegalStateException("the token endpoint answered 200 without an access_token"));
    }
    // no expires_in: use the token for this push only
    long lifetimeMillis = body.getLong("expires_in", 0L) * 1000;
    token = accessToken;
    refreshAtMillis = System.currentTimeMillis() + lifetimeMillis - REFRESH_MARGIN.toMillis();
    return Future.succeededFuture(accessToken);
  }

  /** The token endpoint did not hand out a token; {@code status} and {@code retryAfter} are its answer's. */
  static final class TokenEndpointError extends RuntimeException {

    final int status;
    final String retryAfter;

    TokenEndpointError(int status, String retryAfter, String message) {
      super(message, null, false, false);
      this.status = status;
      this.retryAfter = retryAfter;
    }
  }
}
