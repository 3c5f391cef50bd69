package io.lockstep.auth;

import io.lockstep.config.LockstepConfig.JwtConfig;
import io.lockstep.protocol.ErrorCode;
import io.lockstep.protocol.Fields;
import io.lockstep.protocol.LockstepException;
import io.lockstep.protocol.Storable;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.User;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.authentication.TokenCredentials;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;

import java.util.Locale;

/**
 * Verifies client JWTs with vertx-auth-jwt and answers the user id (the `sub` claim). Only the one
 * configured algorithm and key are accepted, so `alg: none` and tokens signed with any other key are
 * refused. The time claims are checked here, with {@code jwt.leeway_seconds} of clock skew: each of
 * `exp`, `nbf` and `iat` must be a number if present; only a passed `exp` is token_expired, a token
 * not yet valid (`nbf`) or issued in the future (`iat`) is unauthorized, and so is a `sub` that is not
 * a non-empty string the server can store.
 */
public final class TokenAuth {

  private final JWTAuth jwt;
  private final boolean canMint;
  private final long leewaySeconds;

  public TokenAuth(Vertx vertx, JwtConfig config) {
    String algorithm = config.algorithm().toUpperCase(Locale.ROOT);
    PubSecKeyOptions key = new PubSecKeyOptions().setAlgorithm(algorithm);
    if (algorithm.equals("HS256")) {
      if (config.secret().isBlank()) {
        throw new IllegalArgumentException("jwt.secret (LOCKSTEP_JWT_SECRET) must be set for HS256 tokens");
      }
      key.setBuffer(config.secret());
    } else if (algorithm.equals("RS256") || algorithm.equals("ES256")) {
      if (config.publicKey().isBlank()) {
        throw new IllegalArgumentException("jwt.public_key must hold a PEM public key for " + algorithm + " tokens");
      }
      key.setBuffer(config.publicKey());
    } else {
      throw new IllegalArgumentException("jwt.algorithm must be HS256, RS256 or ES256, not " + config.algorithm());
    }
    if (config.leewaySeconds() < 0) {
      throw new IllegalArgumentException("jwt.leeway_seconds must not be negative");
    }
    this.canMint = algorithm.equals("HS256");
    this.leewaySeconds = config.leewaySeconds();
    this.jwt = JWTAuth.create(vertx, new JWTAuthOptions()
        .addPubSecKey(key)
        .setJWTOptions(new JWTOptions().setIgnoreExpiration(true).setAlgorithm(algorithm)));
  }

  /**
   * The user id of a valid token, or unauthorized / token_expired. The library throws, rather than
   * fails, on some malformed claims (an exp that is not a number): that is unauthorized too.
   */
  public Future<String> userId(String token) {
    Future<User> verified;
    try {
      verified = jwt.authenticate(new TokenCredentials(token));
    } catch (RuntimeException e) {
      verified = Future.failedFuture(e);
    }
    return verified
        .recover(failure -> Future.failedFuture(
            new LockstepException(ErrorCode.UNAUTHORIZED, "the token is not valid for this server")))
        .map(user -> subjectOf(user.attributes().getJsonObject("accessToken")));
  }

  /** Checks the verified claims (the decoded payload): their types, the time window, and the subject. */
  private String subjectOf(JsonObject claims) {
    double now = System.currentTimeMillis() / 1000.0;
    Double expires = time(claims, "exp");
    Double notBefore = time(claims, "nbf");
    Double issued = time(claims, "iat");
    if (expires != null && now - leewaySeconds >= expires) {
      throw new LockstepException(ErrorCode.TOKEN_EXPIRED, "the token has expired; get a new one and reconnect");
    }
    if (notBefore != null && notBefore > now + leewaySeconds) {
      throw new LockstepException(ErrorCode.UNAUTHORIZED, "the token is not valid yet (its nbf is in the future)");
    }
    if (issued != null && issued > now + leewaySeconds) {
      throw new LockstepException(ErrorCode.UNAUTHORIZED, "the token was issued in the future (check the clocks)");
    }
    Object subject = claims.getValue("sub");
    if (!(subject instanceof String user) || user.isEmpty() || user.length() > Fields.MAX_ID_LENGTH
        || Storable.problem(user) != null) {
      throw new LockstepException(ErrorCode.UNAUTHORIZED,
          "the token's 'sub' claim (the user id) must be a string of 1 to " + Fields.MAX_ID_LENGTH + " characters");
    }
    return user;
  }

  /** A NumericDate claim (seconds since the epoch), null when absent; another type is unauthorized. */
  private static Double time(JsonObject claims, String claim) {
    Object value = claims.getValue(claim);
    if (value == null) {
      return null;
    }
    if (!(value instanceof Number number) || !Double.isFinite(number.doubleValue())) {
      throw new LockstepException(ErrorCode.UNAUTHORIZED, "the token's '" + claim + "' claim must be a number of seconds");
    }
    return number.doubleValue();
  }

  /** Mints a token for a user (dev mode, HS256 only). */
  public String mint(String userId, int expiresInSeconds) {
    if (!canMint) {
      throw new LockstepException(ErrorCode.UNAVAILABLE, "tokens can be minted only with an HS256 secret");
    }
    return jwt.generateToken(new JsonObject().put("sub", userId), new JWTOptions().setExpiresInSeconds(expiresInSeconds));
  }

}
