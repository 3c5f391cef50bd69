package io.lockstep.auth;

import io.lockstep.config.LockstepConfig.JwtConfig;
import io.lockstep.protocol.ErrorCode;
import io.lockstep.protocol.Fields;
import io.lockstep.protocol.LockstepException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.authentication.TokenCredentials;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;

import java.util.Locale;

/**
 * Verifies client JWTs with vertx-auth-jwt and answers the user id (the `sub` claim). Only the one
 * configured algorithm and key are accepted, so `alg: none` and tokens signed with any other key are
 * refused; `exp` is enforced.
 */
public final class TokenAuth {

  private final JWTAuth jwt;
  private final boolean canMint;

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
    this.canMint = algorithm.equals("HS256");
    this.jwt = JWTAuth.create(vertx, new JWTAuthOptions()
        .addPubSecKey(key)
        .setJWTOptions(new JWTOptions().setLeeway(config.leewaySeconds()).setAlgorithm(algorithm)));
  }

  /** The user id of a valid token, or unauthorized / token_expired. */
  public Future<String> userId(String token) {
    return jwt.authenticate(new TokenCredentials(token))
        .recover(failure -> Future.failedFuture(rejection(failure)))
        .map(user -> {
          String subject = user.principal().getString("sub");
          if (subject == null || subject.isEmpty() || subject.length() > Fields.MAX_ID_LENGTH) {
            throw new LockstepException(ErrorCode.UNAUTHORIZED, "the token has no usable 'sub' claim (the user id)");
          }
          return subject;
        });
  }

  /** Mints a token for a user (dev mode, HS256 only). */
  public String mint(String userId, int expiresInSeconds) {
    if (!canMint) {
      throw new LockstepException(ErrorCode.UNAVAILABLE, "tokens can be minted only with an HS256 secret");
    }
    return jwt.generateToken(new JsonObject().put("sub", userId), new JWTOptions().setExpiresInSeconds(expiresInSeconds));
  }

  private static LockstepException rejection(Throwable failure) {
    String reason = String.valueOf(failure.getMessage()).toLowerCase(Locale.ROOT);
    if (reason.contains("expired")) {
      return new LockstepException(ErrorCode.TOKEN_EXPIRED, "the token has expired; get a new one and reconnect");
    }
    return new LockstepException(ErrorCode.UNAUTHORIZED, "the token is not valid for this server");
  }
}
