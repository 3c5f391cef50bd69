package io.lockstep.push.apns;

import io.lockstep.plugin.PushProviderVerticle;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.PemTrustOptions;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The apns push provider: delivers each request as one POST {@code /3/device/<token>} to APNs over a
 * single HTTP/2 connection (TLS with ALPN h2), authenticated with a {@link ProviderToken}, and turns
 * APNs' answer into the reply the server's outbox acts on:
 * <ul>
 *   <li>200 → {@code sent};</li>
 *   <li>410, and 400 {@code BadDeviceToken} / {@code DeviceTokenNotForTopic} → {@code dead_token};</li>
 *   <li>429 and 5xx → {@code retry}, with {@code retry_after_ms} when APNs sent Retry-After;</li>
 *   <li>403 {@code ExpiredProviderToken} / {@code InvalidProviderToken} → {@code retry}, and the
 *   provider token is signed anew;</li>
 *   <li>any other answer → {@code failed}, with APNs' {@code reason} as the detail.</li>
 * </ul>
 * A connection that cannot be made or an answer that does not come in time is a {@code retry}. A token
 * that is not hexadecimal can never be valid and is a {@code dead_token} without asking APNs.
 */
public final class ApnsProvider extends PushProviderVerticle {

  static final String NAME = "apns";

  private static final Pattern DEVICE_TOKEN = Pattern.compile("[0-9A-Fa-f]{1,200}");
  private static final int MAX_COLLAPSE_ID_BYTES = 64;
  private static final Set<String> DEAD_TOKEN_REASONS = Set.of("BadDeviceToken", "DeviceTokenNotForTopic");
  private static final Set<String> REFUSED_PROVIDER_TOKEN_REASONS = Set.of("ExpiredProviderToken", "InvalidProviderToken");

  private final ApnsConfig config;
  private HttpClientAgent client;
  private ProviderToken providerToken;

  public ApnsProvider(ApnsConfig config) {
    super(NAME);
    this.config = config;
  }

  @Override
  public Future<?> start() {
    HttpClientOptions options = new HttpClientOptions()
        .setProtocolVersion(HttpVersion.HTTP_2)
        .setSsl(true)
        .setUseAlpn(true)
        .setAlpnVersions(List.of(HttpVersion.HTTP_2))
        .setDefaultHost(config.host())
        .setDefaultPort(config.port())
        .setConnectTimeout((int) config.requestTimeoutMs());
    if (config.trustCert() != null) {
      options.setTrustOptions(new PemTrustOptions().addCertPath(config.trustCert()));
    }
    client = vertx.createHttpClient(options);
    providerToken = new ProviderToken(config);
    return super.start();
  }

  @Override
  public Future<?> stop() {
    return client.close();
  }

  @Override
  protected Future<JsonObject> push(JsonObject request) {
    String token = request.getValue("token") instanceof String text ? text : null;
    if (token == null || !DEVICE_TOKEN.matcher(token).matches()) {
      return Future.succeededFuture(reply("dead_token", "an APNs device token is a hexadecimal string"));
    }
    String kind = request.getString("kind");
    boolean alert = "message".equals(kind);
    if (!alert && !"badge".equals(kind)) {
      return Future.succeededFuture(reply("failed", "unknown push kind " + kind));
    }
    Buffer payload = alert ? ApnsPayload.message(request) : ApnsPayload.badge(request);
    if (payload.length() > ApnsPayload.MAX_BYTES) {
      return Future.succeededFuture(reply("failed", "the payload is over " + ApnsPayload.MAX_BYTES
          + " bytes even with the body cut short"));
    }
    String jwt = providerToken.current();
    RequestOptions post = new RequestOptions()
        .setMethod(HttpMethod.POST)
        .setURI("/3/device/" + token)
        .setTimeout(config.requestTimeoutMs())
        .putHeader("authorization", "bearer " + jwt)
        .putHeader("apns-topic", config.topic())
        .putHeader("apns-push-type", alert ? "alert" : "background")
        .putHeader("apns-priority", alert ? "10" : "5")
        .putHeader("apns-expiration", expiration())
        .putHeader("content-type", "application/json");
    String collapseId = request.getString("collapse_id");
    if (collapseId != null) {
      post.putHeader("apns-collapse-id", fitCollapseId(collapseId));
    }
    return client.request(post)
        .compose(outgoing -> outgoing.send(payload))
        .compose(response -> response.body().map(body -> answer(response, body, jwt)))
        .recover(failure -> Future.succeededFuture(reply("retry", "APNs did not answer: " + failure.getMessage())));
  }

  private JsonObject answer(HttpClientResponse response, Buffer body, String jwt) {
    int status = response.statusCode();
    String reason = reason(body);
    String detail = reason == null ? "HTTP " + status : reason;
    if (status == 200) {
      return new JsonObject().put("status", "sent");
    }
    if (status == 410 || (status == 400 && DEAD_TOKEN_REASONS.contains(reason))) {
      return reply("dead_token", detail);
    }
    if (status == 403 && REFUSED_PROVIDER_TOKEN_REASONS.contains(reason)) {
      providerToken.refused(jwt);
      return reply("retry", detail);
    }
    if (status == 429 || status >= 500) {
      JsonObject retry = reply("retry", detail);
      Long retryAfterMs = retryAfterMs(response.getHeader("retry-after"));
      return retryAfterMs == null ? retry : retry.put("retry_after_ms", retryAfterMs);
    }
    return reply("failed", detail);
  }

  /** APNs' error answers carry {@code {"reason": "..."}}; null when the body is something else. */
  private static String reason(Buffer body) {
    try {
      return body.length() == 0 ? null : new JsonObject(body).getString("reason");
    } catch (DecodeException | ClassCastException e) {
      return null;
    }
  }

  /** Retry-After is either a number of seconds or an HTTP date; null when absent or unreadable. */
  private static Long retryAfterMs(String retryAfter) {
    if (retryAfter == null) {
      return null;
    }
    try {
      return Math.max(0, Long.parseLong(retryAfter.strip())) * 1000;
    } catch (NumberFormatException notSeconds) {
      try {
        long at = ZonedDateTime.parse(retryAfter.strip(), DateTimeFormatter.RFC_1123_DATE_TIME).toInstant().toEpochMilli();
        return Math.max(0, at - System.currentTimeMillis());
      } catch (DateTimeParseException notADate) {
        return null;
      }
    }
  }

  /** {@code apns-expiration} is a point in time (UNIX seconds), 0 for a single delivery attempt. */
  private String expiration() {
    return config.expirationSeconds() == 0 ? "0"
        : String.valueOf(System.currentTimeMillis() / 1000 + config.expirationSeconds());
  }

  /**
   * APNs takes collapse ids of up to 64 bytes; a longer one is replaced by its SHA-256 in base64url
   * (43 characters), which stays the same for the same conversation.
   */
  static String fitCollapseId(String collapseId) {
    byte[] bytes = collapseId.getBytes(StandardCharsets.UTF_8);
    if (bytes.length <= MAX_COLLAPSE_ID_BYTES) {
      return collapseId;
    }
    try {
      return Base64.getUrlEncoder().withoutPadding().encodeToString(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }

  private static JsonObject reply(String status, String detail) {
    return new JsonObject().put("status", status).put("detail", detail);
  }
}
