package io.lockstep.push.fcm;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.security.Signature;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A local stand-in for Google's OAuth2 token endpoint ({@code POST /token}) and FCM's v1 send endpoint
 * ({@code POST /v1/projects/<project>/messages:send}), checking what it receives the way they do:
 * the JWT assertion's RS256 signature against the service account's public key and its claims, the
 * bearer token against the tokens it issued and their expiry, and the message's shape. What it
 * refuses it answers like Google does (400 invalid_grant, 401 UNAUTHENTICATED, 400 INVALID_ARGUMENT),
 * with the reason in the message.
 */
final class FcmStandIn {

  static final String PROJECT = "lockstep-test";
  static final String CLIENT_EMAIL = "lockstep-push@lockstep-test.iam.gserviceaccount.com";
  static final String KEY_ID = "4a1f0c2b9d";

  private static final Set<String> MESSAGE_FIELDS = Set.of("token", "notification", "data", "android", "apns", "webpush");

  private final PublicKey serviceAccountKey;
  private HttpServer server;
  private final AtomicInteger tokenRequests = new AtomicInteger();
  private final AtomicInteger issuedCount = new AtomicInteger();
  private final Map<String, Long> issuedTokens = new ConcurrentHashMap<>();
  private final List<JsonObject> messages = new CopyOnWriteArrayList<>();
  private final Queue<Answer> tokenAnswers = new ConcurrentLinkedQueue<>();
  private final Queue<Answer> sendAnswers = new ConcurrentLinkedQueue<>();
  private volatile long expiresInSeconds;
  private volatile long tokenDelayMs;

  /** A canned answer, given after the request passed the checks. */
  record Answer(int status, Map<String, String> headers, JsonObject body) {
  }

  FcmStandIn(PublicKey serviceAccountKey) {
    this.serviceAccountKey = serviceAccountKey;
  }

  Future<Integer> start(Vertx vertx) {
    server = vertx.createHttpServer().requestHandler(request -> {
      if ("/token".equals(request.path())) {
        tokenEndpoint(vertx, request);
      } else {
        sendEndpoint(request);
      }
    });
    return server.listen(0, "127.0.0.1").map(HttpServer::actualPort);
  }

  String tokenEndpoint() {
    return "http://127.0.0.1:" + server.actualPort() + "/token";
  }

  String sendEndpointTemplate() {
    return "http://127.0.0.1:" + server.actualPort() + "/v1/projects/{project_id}/messages:send";
  }

  void reset() {
    tokenRequests.set(0);
    issuedTokens.clear();
    messages.clear();
    tokenAnswers.clear();
    sendAnswers.clear();
    expiresInSeconds = 3600;
    tokenDelayMs = 0;
  }

  /** How long issued tokens live (expires_in). */
  void tokensLive(long seconds) {
    expiresInSeconds = seconds;
  }

  /** Holds every token answer back this long, so that concurrent pushes find the request in flight. */
  void delayTokens(long millis) {
    tokenDelayMs = millis;
  }

  /** Ends the life of every token issued so far, as if they had expired or been revoked. */
  void expireIssuedTokens() {
    issuedTokens.replaceAll((token, expiry) -> 0L);
  }

  void answerNextTokenRequest(Answer answer) {
    tokenAnswers.add(answer);
  }

  void answerNextSend(Answer answer) {
    sendAnswers.add(answer);
  }

  int tokenRequests() {
    return tokenRequests.get();
  }

  /** The messages that passed the checks, in order of arrival. */
  List<JsonObject> messages() {
    return messages;
  }

  /** A Google API error in FCM's v1 format. */
  static JsonObject fcmError(int code, String status, String errorCode, String message) {
    JsonArray details = new JsonArray();
    if (errorCode != null) {
      details.add(new JsonObject().put("@type", "type.googleapis.com/google.firebase.fcm.v1.FcmError")
          .put("errorCode", errorCode));
    }
    return new JsonObject().put("error", new JsonObject().put("code", code).put("message", message)
        .put("status", status).put("details", details));
  }

  private void tokenEndpoint(Vertx vertx, HttpServerRequest request) {
    tokenRequests.incrementAndGet();
    String contentType = String.valueOf(request.getHeader("Content-Type"));
    request.setExpectMultipart(true);
    request.end().onSuccess(ignored -> {
      if (!"POST".equals(request.method().name()) || !contentType.startsWith("application/x-www-form-urlencoded")) {
        reply(request, 400, oauthError("invalid_request", "expected a form POST, got " + request.method() + " " + contentType));
        return;
      }
      MultiMap form = request.formAttributes();
      if (!AccessTokens.GRANT_TYPE.equals(form.get("grant_type"))) {
        reply(request, 400, oauthError("unsupported_grant_type", "grant_type " + form.get("grant_type")));
        return;
      }
      String problem = assertionProblem(form.get("assertion"));
      if (problem != null) {
        reply(request, 400, oauthError("invalid_grant", problem));
        return;
      }
      Answer canned = tokenAnswers.poll();
      if (canned != null) {
        reply(request, canned);
        return;
      }
      String token = "ya29.stand-in-" + issuedCount.incrementAndGet();
      long lifetime = expiresInSeconds;
      issuedTokens.put(token, System.currentTimeMillis() + lifetime * 1000);
      JsonObject body = new JsonObject().put("access_token", token).put("expires_in", lifetime).put("token_type", "Bearer");
      if (tokenDelayMs > 0) {
        vertx.setTimer(tokenDelayMs, timer -> reply(request, 200, body));
      } else {
        reply(request, 200, body);
      }
    });
  }

  /** Why Google would refuse this JWT assertion, or null when it is good. */
  private String assertionProblem(String assertion) {
    String[] parts = assertion == null ? new String[0] : assertion.split("\\.", -1);
    if (parts.length != 3) {
      return "the assertion is not a compact JWS";
    }
    JsonObject header;
    JsonObject claims;
    try {
      header = new JsonObject(new String(Base64.getUrlDecoder().decode(parts[0]), StandardCharsets.UTF_8));
      claims = new JsonObject(new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8));
      Signature rs256 = Signature.getInstance("SHA256withRSA");
      rs256.initVerify(serviceAccountKey);
      rs256.update((parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII));
      if (!rs256.verify(Base64.getUrlDecoder().decode(parts[2]))) {
        return "Invalid JWT Signature.";
      }
    } catch (GeneralSecurityException | IllegalArgumentException | DecodeException e) {
      return "unreadable assertion: " + e;
    }
    long now = System.currentTimeMillis() / 1000;
    Long iat = claims.getLong("iat");
    Long exp = claims.getLong("exp");
    if (!"RS256".equals(header.getString("alg")) || !KEY_ID.equals(header.getString("kid"))) {
      return "header " + header.encode() + " wants alg RS256 and kid " + KEY_ID;
    } else if (!CLIENT_EMAIL.equals(claims.getString("iss"))) {
      return "iss " + claims.getString("iss");
    } else if (!AccessTokens.SCOPE.equals(claims.getString("scope"))) {
      return "scope " + claims.getString("scope");
    } else if (!tokenEndpoint().equals(claims.getValue("aud"))) {
      return "aud " + claims.getValue("aud") + " is not " + tokenEndpoint();
    } else if (iat == null || Math.abs(iat - now) > 60) {
      return "iat " + iat + " is not now (" + now + ")";
    } else if (exp == null || exp != iat + 3600) {
      return "exp " + exp + " is not iat + 3600";
    }
    return null;
  }

  private void sendEndpoint(HttpServerRequest request) {
    request.body().onSuccess(body -> {
      if (!"POST".equals(request.method().name())
          || !("/v1/projects/" + PROJECT + "/messages:send").equals(request.path())) {
        reply(request, 404, fcmError(404, "NOT_FOUND", null, "no such method: " + request.method() + " " + request.path()));
        return;
      }
      String authorization = String.valueOf(request.getHeader("Authorization"));
      Long expiry = authorization.startsWith("Bearer ") ? issuedTokens.get(authorization.substring(7)) : null;
      if (expiry == null || expiry <= System.currentTimeMillis()) {
        reply(request, 401, fcmError(401, "UNAUTHENTICATED", null,
            "Request had invalid authentication credentials. Expected OAuth 2 access token."));
        return;
      }
      String problem = messageProblem(String.valueOf(request.getHeader("Content-Type")), body);
      if (problem != null) {
        reply(request, 400, fcmError(400, "INVALID_ARGUMENT", "INVALID_ARGUMENT", problem));
        return;
      }
      messages.add(new JsonObject(body).getJsonObject("message"));
      Answer canned = sendAnswers.poll();
      if (canned != null) {
        reply(request, canned);
      } else {
        reply(request, 200, new JsonObject().put("name", "projects/" + PROJECT + "/messages/0:" + messages.size()));
      }
    });
  }

  /** Why FCM would refuse this request body, or null when it is well formed. */
  private static String messageProblem(String contentType, Buffer body) {
    if (!contentType.startsWith("application/json")) {
      return "content type " + contentType;
    }
    JsonObject message;
    try {
      message = new JsonObject(body).getJsonObject("message");
    } catch (DecodeException | ClassCastException e) {
      return "Invalid JSON payload received: " + e.getMessage();
    }
    if (message == null || !(message.getValue("token") instanceof String token) || token.isEmpty()) {
      return "message.token is required";
    }
    for (String field : message.fieldNames()) {
      if (!MESSAGE_FIELDS.contains(field)) {
        return "Invalid JSON payload received. Unknown name \"" + field + "\" at 'message'";
      }
    }
    for (Map.Entry<String, Object> entry : message.getJsonObject("data", new JsonObject())) {
      if (!(entry.getValue() instanceof String)) {
        return "Invalid value at 'message.data[" + entry.getKey() + "].value' (TYPE_STRING)";
      }
    }
    JsonObject android = message.getJsonObject("android", new JsonObject());
    if (android.containsKey("priority") && !Set.of("high", "normal").contains(android.getString("priority"))) {
      return "Invalid value at 'message.android.priority'";
    }
    JsonObject apnsHeaders = message.getJsonObject("apns", new JsonObject()).getJsonObject("headers", new JsonObject());
    for (Map.Entry<String, Object> header : apnsHeaders) {
      if (!(header.getValue() instanceof String)) {
        return "Invalid value at 'message.apns.headers[" + header.getKey() + "].value' (TYPE_STRING)";
      }
    }
    if (apnsHeaders.getString("apns-collapse-id", "").length() > 64) {
      return "apns-collapse-id is longer than 64 bytes";
    }
    String topic = message.getJsonObject("webpush", new JsonObject()).getJsonObject("headers", new JsonObject())
        .getString("Topic");
    if (topic != null && !topic.matches("[A-Za-z0-9_-]{1,32}")) {
      return "webpush Topic " + topic + " is not up to 32 URL-safe Base64 characters";
    }
    return null;
  }

  private static JsonObject oauthError(String error, String description) {
    return new JsonObject().put("error", error).put("error_description", description);
  }

  private static void reply(HttpServerRequest request, Answer answer) {
    answer.headers().forEach(request.response()::putHeader);
    reply(request, answer.status(), answer.body());
  }

  private static void reply(HttpServerRequest request, int status, JsonObject body) {
    request.response().setStatusCode(status).putHeader("Content-Type", "application/json; charset=UTF-8")
        .end(body.encode());
  }
}
