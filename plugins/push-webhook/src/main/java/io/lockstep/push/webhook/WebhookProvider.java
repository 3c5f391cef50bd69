package io.lockstep.push.webhook;

import io.lockstep.plugin.PushProviderVerticle;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.HexFormat;

/**
 * Pushes by POSTing the push as JSON to the integrator's URL, who forwards it to wherever its apps
 * listen. Each request is signed: {@code X-Lockstep-Signature: v1=<hex HMAC-SHA256(secret,
 * timestamp + "." + body)>} with the timestamp (Unix seconds) in {@code X-Lockstep-Timestamp}, so the
 * receiver can check the sender and refuse replays. The answer's status decides what happens next.
 */
public final class WebhookProvider extends PushProviderVerticle {

  static final String NAME = "webhook";
  static final String TIMESTAMP_HEADER = "X-Lockstep-Timestamp";
  static final String SIGNATURE_HEADER = "X-Lockstep-Signature";
  static final String PUSH_ID_HEADER = "X-Lockstep-Push-Id";

  private final WebhookConfig config;
  private WebClient client;

  public WebhookProvider(WebhookConfig config) {
    super(NAME);
    this.config = config;
  }

  @Override
  public Future<?> start() {
    client = WebClient.create(vertx);
    return super.start();
  }

  @Override
  public Future<?> stop() {
    client.close();
    return Future.succeededFuture();
  }

  @Override
  protected Future<JsonObject> push(JsonObject request) {
    Buffer body = request.toBuffer();
    String timestamp = Long.toString(System.currentTimeMillis() / 1000);
    return client.postAbs(config.url().toString())
        .timeout(config.timeout().toMillis())
        .putHeader("Content-Type", "application/json")
        .putHeader(TIMESTAMP_HEADER, timestamp)
        .putHeader(SIGNATURE_HEADER, "v1=" + signature(config.secret(), timestamp, body))
        .putHeader(PUSH_ID_HEADER, String.valueOf(request.getValue("push_id")))
        .sendBuffer(body)
        .map(WebhookProvider::outcome)
        .otherwise(failure -> new JsonObject().put("status", "retry")
            .put("detail", "the webhook did not answer: " + failure.getMessage()));
  }

  /** 2xx sent; 404/410 the token is dead; 408, 429 and 5xx are retried (Retry-After honoured); others fail. */
  static JsonObject outcome(HttpResponse<Buffer> response) {
    int status = response.statusCode();
    if (status >= 200 && status < 300) {
      return new JsonObject().put("status", "sent");
    }
    String detail = "HTTP " + status + excerpt(response.bodyAsString());
    if (status == 404 || status == 410) {
      return new JsonObject().put("status", "dead_token").put("detail", detail);
    }
    if (status == 408 || status == 429 || status >= 500) {
      JsonObject retry = new JsonObject().put("status", "retry").put("detail", detail);
      String retryAfter = response.getHeader("Retry-After");
      if (retryAfter != null && retryAfter.trim().matches("\\d{1,9}")) {
        retry.put("retry_after_ms", Long.parseLong(retryAfter.trim()) * 1000);
      }
      return retry;
    }
    return new JsonObject().put("status", "failed").put("detail", detail);
  }

  private static String excerpt(String body) {
    if (body == null || body.isBlank()) {
      return "";
    }
    String line = body.strip().replaceAll("\\s+", " ");
    return ": " + (line.length() > 200 ? line.substring(0, 200) + "…" : line);
  }

  /** Lower-case hex of HMAC-SHA256(secret, timestamp + "." + body). */
  static String signature(String secret, String timestamp, Buffer body) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      mac.update((timestamp + ".").getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(mac.doFinal(body.getBytes()));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
    }
  }
}
