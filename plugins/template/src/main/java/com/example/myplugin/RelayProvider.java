package com.example.myplugin;

import io.lockstep.plugin.PushProviderVerticle;
import io.lockstep.plugin.PushReply;
import io.lockstep.plugin.PushRequest;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;

/**
 * The {@code relay} push provider: POSTs each push as JSON to the configured relay, which delivers it
 * however it likes, and maps the relay's answer to the server's four replies.
 */
// snippet:begin provider
public final class RelayProvider extends PushProviderVerticle {

  static final String NAME = "relay";

  private final RelayConfig config;
  private WebClient http;

  RelayProvider(RelayConfig config) {
    super(NAME);
    this.config = config;
  }

  @Override
  public Future<?> start() {
    http = WebClient.create(vertx);
    return super.start();
  }

  @Override
  protected Future<JsonObject> push(JsonObject json) {
    PushRequest push = new PushRequest(json);
    JsonObject message = new JsonObject()
        .put("id", push.pushId())          // the same on every retry: the relay drops duplicates by it
        .put("token", push.token())
        .put("silent", push.silent())
        .put("title", push.title())
        .put("body", push.body())
        .put("badge", push.badge())
        .put("collapse_id", push.collapseId());
    return http.postAbs(config.url().toString())
        .timeout(config.timeout().toMillis())
        .sendJsonObject(message)
        .map(RelayProvider::reply);        // a failed request (refused, timed out) is a retry
  }

  private static JsonObject reply(HttpResponse<Buffer> answer) {
    int status = answer.statusCode();
    String detail = "relay answered " + status;
    if (status / 100 == 2) {
      return PushReply.sent();
    }
    if (status == 404 || status == 410) {
      return PushReply.deadToken(detail);
    }
    String retryAfter = answer.getHeader("Retry-After");
    if (status == 429 && retryAfter != null && retryAfter.matches("\\d{1,6}")) {
      return PushReply.retryAfter(Long.parseLong(retryAfter) * 1000, detail);
    }
    return status == 429 || status / 100 == 5 ? PushReply.retry(detail) : PushReply.failed(detail);
  }
}
// snippet:end
