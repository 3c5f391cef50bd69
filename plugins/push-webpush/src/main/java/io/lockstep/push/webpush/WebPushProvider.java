package io.lockstep.push.webpush;

import io.lockstep.plugin.PushProviderVerticle;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;

import java.time.Clock;

/**
 * The {@code webpush} push provider: delivers a notification to a browser's push subscription with
 * the Web Push protocol (RFC 8030), the payload encrypted for that browser alone (RFC 8291) and the
 * request signed with the operator's VAPID key (RFC 8292). Every request gets exactly one reply and
 * the provider never throws for a push service's answer: see {@link PushReply} for the mapping.
 * A subscription or request that cannot be sent (malformed keys, an http endpoint where only https
 * is allowed, an unknown kind) is {@code failed} without contacting anyone; a push service that cannot
 * be reached is {@code retry}.
 *
 * @implNote Redirects are not followed, so an endpoint cannot lead the request elsewhere (an https
 *     endpoint to an http one, say), and only the start of an answer's body is kept ({@link AnswerText}).
 *     Encryption (a fresh ECDH key pair per message, 1 to 2 ms of CPU) runs on the worker pool, unordered;
 *     everything else, the VAPID token cache included, stays on the verticle's event loop.
 */
public final class WebPushProvider extends PushProviderVerticle {

  static final String NAME = "webpush";

  private final WebPushConfig config;
  private final Clock clock = Clock.systemUTC();
  private WebClient client;
  private VapidTokens vapidTokens;

  public WebPushProvider(WebPushConfig config) {
    super(NAME);
    this.config = config;
  }

  @Override
  public Future<?> start() {
    client = WebClient.create(vertx, new WebClientOptions()
        .setFollowRedirects(false)
        .setConnectTimeout((int) config.timeoutMs())
        .setUserAgent("Lockstep-WebPush"));
    vapidTokens = new VapidTokens(config.vapidKeys(), config.subject(), clock);
    return super.start();
  }

  @Override
  public Future<?> stop() {
    client.close();
    return Future.succeededFuture();
  }

  @Override
  protected Future<JsonObject> push(JsonObject request) {
    PushSubscription subscription;
    PushMessage message;
    try {
      subscription = PushSubscription.parse(request.getValue("token"), config.allowHttp());
      message = PushMessage.from(request);
    } catch (IllegalArgumentException | ClassCastException e) {
      return Future.succeededFuture(PushReply.failed(e.getMessage()));
    }
    return vertx.executeBlocking(() -> MessageEncryption.encrypt(message.payload(), subscription.userAgentKey(),
            subscription.authSecret()), false)
        .compose(body -> send(subscription, message, body));
  }

  private Future<JsonObject> send(PushSubscription subscription, PushMessage message, byte[] body) {
    HttpRequest<String> post = client.postAbs(subscription.endpoint().toString())
        .as(AnswerText.CODEC)
        .timeout(config.timeoutMs())
        .putHeader("TTL", Long.toString(config.ttlSeconds()))
        .putHeader("Content-Encoding", "aes128gcm")
        .putHeader("Content-Type", "application/octet-stream")
        .putHeader("Urgency", message.urgency())
        .putHeader("Authorization", vapidTokens.authorization(subscription.origin()));
    if (message.topic() != null) {
      post.putHeader("Topic", message.topic());
    }
    return post.sendBuffer(Buffer.buffer(body))
        .map(this::reply)
        .recover(failure -> Future.succeededFuture(
            PushReply.retry("push service " + subscription.origin() + " could not be reached: " + failure.getMessage())));
  }

  private JsonObject reply(HttpResponse<String> response) {
    return PushReply.fromAnswer(response.statusCode(), response.getHeader("Retry-After"), response.body(),
        clock.instant());
  }
}
