package io.lockstep.push.webpush;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;

import java.nio.charset.StandardCharsets;
import java.security.PublicKey;
import java.security.Signature;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Base64;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A push service on 127.0.0.1 that checks what a real one checks (RFC 8030, RFC 8292) and answers
 * like one. Every push is a POST to a subscription's endpoint; it must carry TTL, Content-Encoding
 * aes128gcm and a VAPID Authorization whose ES256 signature verifies with the key in k= and whose
 * aud is this service's origin and exp at most 24 hours ahead (else 400, 401 or 403, as push services
 * answer). The endpoint's first path segment then chooses the answer: ok (201), gone (410), missing
 * (404), busy (429, Retry-After: 7), down (503, Retry-After as an HTTP date 30 s ahead), broken (500),
 * too-large (413), forbidden (403), bad (400), verbose (400 with a 2 MB body). Every accepted push is kept for the test to inspect.
 */
final class FakePushService {

  /** A push as received: its headers, its (encrypted) body and the VAPID token's parts. */
  record Received(MultiMap headers, byte[] body, JsonObject vapidHeader, JsonObject vapidClaims, String vapidKey) {
  }

  private final Map<String, Received> received = new ConcurrentHashMap<>();
  private HttpServer server;

  Future<FakePushService> start(Vertx vertx) {
    server = vertx.createHttpServer().requestHandler(this::handle);
    return server.listen(0, "127.0.0.1").map(this);
  }

  String origin() {
    return "http://127.0.0.1:" + server.actualPort();
  }

  /** A fresh subscription endpoint whose pushes get the answer of {@code scenario}. */
  String endpoint(String scenario) {
    return origin() + "/" + scenario + "/" + UUID.randomUUID();
  }

  /** The push received for {@code endpoint}, or null. */
  Received received(String endpoint) {
    return received.get(endpoint.substring(origin().length()));
  }

  private void handle(HttpServerRequest request) {
    request.body().onSuccess(body -> {
      if (request.method() != HttpMethod.POST) {
        answer(request, 405, "push with POST");
        return;
      }
      if (request.getHeader("TTL") == null || !"aes128gcm".equals(request.getHeader("Content-Encoding"))) {
        answer(request, 400, "TTL and Content-Encoding: aes128gcm are required");
        return;
      }
      Received push;
      try {
        push = vapid(request, body.getBytes());
      } catch (Exception e) {
        answer(request, 401, "VAPID: " + e.getMessage());
        return;
      }
      String audience = push.vapidClaims().getString("aud");
      long expires = push.vapidClaims().getLong("exp", 0L);
      long now = Instant.now().getEpochSecond();
      if (!origin().equals(audience) || expires <= now || expires > now + 24 * 3600) {
        answer(request, 403, "VAPID token for " + audience + " expiring at " + expires + " is not valid here");
        return;
      }
      received.put(request.path(), push);
      respond(request, request.path().split("/")[1]);
    });
  }

  private static void respond(HttpServerRequest request, String scenario) {
    switch (scenario) {
      case "ok" -> request.response().setStatusCode(201).putHeader("Location", request.path() + "/message/1").end();
      case "gone" -> answer(request, 410, "push subscription has unsubscribed or expired");
      case "missing" -> answer(request, 404, "no such subscription");
      case "busy" -> {
        request.response().putHeader("Retry-After", "7");
        answer(request, 429, "too many requests");
      }
      case "down" -> {
        request.response().putHeader("Retry-After",
            DateTimeFormatter.RFC_1123_DATE_TIME.format(Instant.now().plusSeconds(30).atOffset(ZoneOffset.UTC)));
        answer(request, 503, "service unavailable");
      }
      case "broken" -> answer(request, 500, "internal error");
      case "too-large" -> answer(request, 413, "payload too large");
      case "forbidden" -> answer(request, 403, "the VAPID key does not match the subscription");
      case "verbose" -> answer(request, 400, "x".repeat(2_000_000));
      default -> answer(request, 400, "malformed push request");
    }
  }

  private static void answer(HttpServerRequest request, int status, String text) {
    request.response().setStatusCode(status).putHeader("Content-Type", "text/plain").end(text);
  }

  /** Checks the Authorization header as RFC 8292 says: vapid t=<JWT>, k=<key>, signature ES256 by k. */
  private static Received vapid(HttpServerRequest request, byte[] body) throws Exception {
    String authorization = request.getHeader("Authorization");
    if (authorization == null || !authorization.startsWith("vapid ")) {
      throw new IllegalArgumentException("no vapid Authorization");
    }
    String token = null;
    String key = null;
    for (String parameter : authorization.substring("vapid ".length()).split(",")) {
      String[] nameValue = parameter.trim().split("=", 2);
      if (nameValue[0].equals("t")) {
        token = nameValue[1];
      } else if (nameValue[0].equals("k")) {
        key = nameValue[1];
      }
    }
    if (token == null || key == null) {
      throw new IllegalArgumentException("t= and k= are required");
    }
    String[] parts = token.split("\\.");
    if (parts.length != 3) {
      throw new IllegalArgumentException("the token is not a JWS compact serialization");
    }
    JsonObject header = new JsonObject(new String(UserAgent.base64Url(parts[0]), StandardCharsets.UTF_8));
    if (!"ES256".equals(header.getString("alg"))) {
      throw new IllegalArgumentException("the token is not ES256");
    }
    PublicKey signer = UserAgent.decodePoint(UserAgent.base64Url(key));
    Signature verifier = Signature.getInstance("SHA256withECDSAinP1363Format");
    verifier.initVerify(signer);
    verifier.update((parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII));
    if (!verifier.verify(Base64.getUrlDecoder().decode(parts[2]))) {
      throw new IllegalArgumentException("the token's signature does not verify with k");
    }
    JsonObject claims = new JsonObject(new String(UserAgent.base64Url(parts[1]), StandardCharsets.UTF_8));
    return new Received(MultiMap.caseInsensitiveMultiMap().addAll(request.headers()), body, header, claims, key);
  }
}
