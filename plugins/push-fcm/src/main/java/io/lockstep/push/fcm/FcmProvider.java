package io.lockstep.push.fcm;

import io.lockstep.plugin.PushProviderVerticle;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;

/**
 * Answers {@code lockstep.push.fcm}: sends each push as one FCM v1 {@code messages:send} request,
 * authorised with a shared, cached OAuth2 access token, and maps FCM's answer to the push reply. Every
 * HTTP answer and every network error becomes a reply; nothing is thrown.
 */
public final class FcmProvider extends PushProviderVerticle {

  static final String NAME = "fcm";

  private final FcmConfig config;
  private WebClient client;
  private AccessTokens tokens;

  public FcmProvider(FcmConfig config) {
    super(NAME);
    this.config = config;
  }

  @Override
  public Future<?> start() {
    client = WebClient.create(vertx);
    tokens = new AccessTokens(client, config);
    return super.start();
  }

  @Override
  public Future<?> stop() {
    client.close();
    return Future.succeededFuture();
  }

  @Override
  protected Future<JsonObject> push(JsonObject request) {
    JsonObject message;
    try {
      message = FcmMessage.from(request);
    } catch (IllegalArgumentException e) {
      return Future.succeededFuture(FcmAnswers.failed(e.getMessage()));
    }
    return tokens.current()
        .compose(accessToken -> send(accessToken, message))
        .recover(failure -> Future.succeededFuture(FcmAnswers.forFailure(failure)));
  }

  private Future<JsonObject> send(String accessToken, JsonObject message) {
    return client.postAbs(config.sendEndpoint())
        .timeout(config.requestTimeoutMs())
        .bearerTokenAuthentication(accessToken)
        .sendJsonObject(new JsonObject().put("message", message))
        .map(response -> {
          if (FcmAnswers.rejectsAccessToken(response)) {
            tokens.forget(accessToken);
          }
          return FcmAnswers.forSend(response);
        });
  }
}
