package io.lockstep.push.apns;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.SelfSignedCertificate;

import java.nio.charset.StandardCharsets;
import java.security.interfaces.ECPublicKey;
import java.text.ParseException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A local APNs for the tests: HTTP/2 over TLS with ALPN offering h2 only, on a self-signed certificate
 * for {@code localhost}. It checks each request as APNs does (HTTP/2, POST /3/device/&lt;hex token&gt;,
 * an ES256 provider token whose signature verifies with the team's public key, kid, iss and a fresh iat,
 * apns-topic, apns-push-type with its matching apns-priority, apns-collapse-id of at most 64 bytes, a
 * numeric apns-expiration, and a JSON payload of at most 4096 bytes fitting the push type) and refuses
 * a faulty one with APNs' status and reason. A correct request is answered by the scenario its token
 * names: the token is the scenario's ASCII in hex, padded with zeros to 64 digits (see {@link #token}).
 * Every request is recorded, with the answer it got.
 */
final class ApnsTestServer {

  static final String TEAM_ID = "TEAM123456";
  static final String KEY_ID = "KEY7654321";
  static final String TOPIC = "io.lockstep.app";

  private static final Pattern PATH = Pattern.compile("/3/device/([0-9a-fA-F]+)");

  /** What the server received and how it answered. */
  record Received(HttpVersion version, String token, MultiMap headers, Buffer body, SignedJWT jwt,
                  int status, String reason) {

    JsonObject payload() {
      return new JsonObject(body);
    }

    JWTClaimsSet claims() throws ParseException {
      return jwt.getJWTClaimsSet();
    }
  }

  private record Answer(int status, String reason, String retryAfter) {

    static Answer refuse(int status, String reason) {
      return new Answer(status, reason, null);
    }
  }

  private final ECPublicKey teamKey;
  private final SelfSignedCertificate certificate = SelfSignedCertificate.create("localhost");
  private final List<Received> received = new CopyOnWriteArrayList<>();
  private final Set<String> revoked = ConcurrentHashMap.newKeySet();
  private HttpServer server;

  private ApnsTestServer(ECPublicKey teamKey) {
    this.teamKey = teamKey;
  }

  static Future<ApnsTestServer> start(Vertx vertx, ECPublicKey teamKey) {
    ApnsTestServer apns = new ApnsTestServer(teamKey);
    apns.server = vertx.createHttpServer(new HttpServerOptions()
            .setSsl(true)
            .setUseAlpn(true)
            .setAlpnVersions(List.of(HttpVersion.HTTP_2))
            .setKeyCertOptions(apns.certificate.keyCertOptions()))
        .requestHandler(apns::handle);
    return apns.server.listen(0, "localhost").map(listening -> apns);
  }

  /** A 64-digit device token that makes this server play {@code scenario} ("ok", "dead", "busy", ...). */
  static String token(String scenario) {
    StringBuilder hex = new StringBuilder(HexFormat.of().formatHex(scenario.getBytes(StandardCharsets.US_ASCII)));
    while (hex.length() < 64) {
      hex.append('0');
    }
    return hex.toString();
  }

  int port() {
    return server.actualPort();
  }

  /** The PEM file of the server's certificate, for the provider's trust_cert. */
  String certificatePath() {
    return certificate.certificatePath();
  }

  List<Received> received() {
    return received;
  }

  Received last() {
    return received.get(received.size() - 1);
  }

  /** From now on, answer this provider token with 403 ExpiredProviderToken. */
  void revoke(String jwt) {
    revoked.add(jwt);
  }

  Future<Void> close() {
    return server.close().onComplete(closed -> certificate.delete());
  }

  private void handle(HttpServerRequest request) {
    request.body().onSuccess(body -> {
      Matcher path = PATH.matcher(request.path());
      String token = path.matches() ? path.group(1) : null;
      SignedJWT jwt = parseJwt(request.getHeader("authorization"));
      Answer answer = check(request, token, jwt, body);
      received.add(new Received(request.version(), token, MultiMap.caseInsensitiveMultiMap().addAll(request.headers()),
          body.copy(), jwt, answer.status(), answer.reason()));
      request.response().setStatusCode(answer.status());
      if (answer.retryAfter() != null) {
        request.response().putHeader("retry-after", answer.retryAfter());
      }
      if (answer.status() == 200) {
        request.response().putHeader("apns-id", UUID.randomUUID().toString()).end();
      } else if (answer.reason() == null) {
        request.response().end("<html>Bad Gateway</html>");
      } else {
        JsonObject error = new JsonObject().put("reason", answer.reason());
        if (answer.status() == 410) {
          error.put("timestamp", System.currentTimeMillis());
        }
        request.response().putHeader("content-type", "application/json").end(error.encode());
      }
    });
  }

  private Answer check(HttpServerRequest request, String token, SignedJWT jwt, Buffer body) {
    if (request.version() != HttpVersion.HTTP_2) {
      return Answer.refuse(505, "NotHttp2");
    }
    if (request.method() != HttpMethod.POST) {
      return Answer.refuse(405, "MethodNotAllowed");
    }
    if (token == null) {
      return Answer.refuse(404, "BadPath");
    }
    Answer tokenProblem = checkProviderToken(jwt);
    if (tokenProblem != null) {
      return tokenProblem;
    }
    String topic = request.getHeader("apns-topic");
    if (topic == null) {
      return Answer.refuse(400, "MissingTopic");
    }
    if (!TOPIC.equals(topic)) {
      return Answer.refuse(400, "TopicDisallowed");
    }
    String pushType = request.getHeader("apns-push-type");
    if (!"alert".equals(pushType) && !"background".equals(pushType)) {
      return Answer.refuse(400, "InvalidPushType");
    }
    if (!("alert".equals(pushType) ? "10" : "5").equals(request.getHeader("apns-priority"))) {
      return Answer.refuse(400, "BadPriority");
    }
    String collapseId = request.getHeader("apns-collapse-id");
    if (collapseId != null && collapseId.getBytes(StandardCharsets.UTF_8).length > 64) {
      return Answer.refuse(400, "BadCollapseId");
    }
    String expiration = request.getHeader("apns-expiration");
    if (expiration != null && !expiration.matches("[0-9]+")) {
      return Answer.refuse(400, "BadExpirationDate");
    }
    Answer payloadProblem = checkPayload(pushType, body);
    return payloadProblem != null ? payloadProblem : play(new String(HexFormat.of().parseHex(token.replaceAll("(00)+$", "")),
        StandardCharsets.US_ASCII));
  }

  private Answer checkProviderToken(SignedJWT jwt) {
    if (jwt == null) {
      return Answer.refuse(403, "MissingProviderToken");
    }
    try {
      JWTClaimsSet claims = jwt.getJWTClaimsSet();
      boolean genuine = JWSAlgorithm.ES256.equals(jwt.getHeader().getAlgorithm())
          && KEY_ID.equals(jwt.getHeader().getKeyID())
          && jwt.verify(new ECDSAVerifier(teamKey))
          && TEAM_ID.equals(claims.getIssuer())
          && claims.getIssueTime() != null
          && claims.getIssueTime().toInstant().isBefore(Instant.now().plusSeconds(60));
      if (!genuine) {
        return Answer.refuse(403, "InvalidProviderToken");
      }
      if (claims.getIssueTime().toInstant().isBefore(Instant.now().minusSeconds(3600)) || revoked.contains(jwt.serialize())) {
        return Answer.refuse(403, "ExpiredProviderToken");
      }
      return null;
    } catch (ParseException | JOSEException e) {
      return Answer.refuse(403, "InvalidProviderToken");
    }
  }

  private static Answer checkPayload(String pushType, Buffer body) {
    if (body.length() == 0) {
      return Answer.refuse(400, "PayloadEmpty");
    }
    if (body.length() > 4096) {
      return Answer.refuse(413, "PayloadTooLarge");
    }
    try {
      JsonObject aps = new JsonObject(body).getJsonObject("aps");
      boolean fits = aps != null && ("alert".equals(pushType)
          ? aps.getJsonObject("alert") != null && aps.getJsonObject("alert").getString("body") != null
          : Integer.valueOf(1).equals(aps.getInteger("content-available")) && !aps.containsKey("alert")
              && !aps.containsKey("sound"));
      return fits ? null : Answer.refuse(400, "PayloadDoesNotFitPushType");
    } catch (DecodeException | ClassCastException e) {
      return Answer.refuse(400, "PayloadNotJson");
    }
  }

  private static Answer play(String scenario) {
    return switch (scenario) {
      case "dead" -> Answer.refuse(410, "Unregistered");
      case "bad" -> Answer.refuse(400, "BadDeviceToken");
      case "other-app" -> Answer.refuse(400, "DeviceTokenNotForTopic");
      case "busy" -> new Answer(429, "TooManyRequests", "7");
      case "down" -> Answer.refuse(503, "ServiceUnavailable");
      case "broken" -> new Answer(500, "InternalServerError",
          DateTimeFormatter.RFC_1123_DATE_TIME.format(Instant.now().plusSeconds(120).atZone(ZoneOffset.UTC)));
      case "gateway" -> Answer.refuse(502, null);
      case "forbidden" -> Answer.refuse(403, "Forbidden");
      case "disallowed" -> Answer.refuse(400, "TopicDisallowed");
      default -> new Answer(200, null, null);
    };
  }

  private static SignedJWT parseJwt(String authorization) {
    if (authorization == null || !authorization.startsWith("bearer ")) {
      return null;
    }
    try {
      return SignedJWT.parse(authorization.substring("bearer ".length()));
    } catch (ParseException e) {
      return null;
    }
  }
}
