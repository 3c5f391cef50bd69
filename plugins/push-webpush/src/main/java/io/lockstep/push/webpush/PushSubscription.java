package io.lockstep.push.webpush;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;

import java.net.URI;
import java.net.URISyntaxException;
import java.security.interfaces.ECPublicKey;
import java.util.Base64;
import java.util.Locale;

/**
 * A browser's PushSubscription as the device registered it, checked before anything is sent:
 * {@code {"endpoint": "https://...", "keys": {"p256dh": <base64url P-256 point>, "auth": <base64url 16 bytes>}}}
 * (other members, such as expirationTime, are ignored). The token may arrive as that object or as its
 * JSON text. The endpoint was chosen by a client, so only https endpoints are accepted unless the
 * operator allowed http.
 */
record PushSubscription(URI endpoint, ECPublicKey userAgentKey, byte[] authSecret) {

  private static final int AUTH_SECRET_LENGTH = 16;

  /** The subscription in {@code token}; IllegalArgumentException with a sentence saying what is wrong. */
  static PushSubscription parse(Object token, boolean allowHttp) {
    JsonObject subscription = asObject(token);
    URI endpoint = endpoint(subscription.getValue("endpoint"), allowHttp);
    if (!(subscription.getValue("keys") instanceof JsonObject keys)) {
      throw new IllegalArgumentException("the subscription has no keys object");
    }
    byte[] p256dh = base64Url(keys.getValue("p256dh"), "keys.p256dh");
    ECPublicKey userAgentKey;
    try {
      userAgentKey = P256.publicKey(p256dh);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("the subscription's keys.p256dh " + e.getMessage(), e);
    }
    byte[] auth = base64Url(keys.getValue("auth"), "keys.auth");
    if (auth.length != AUTH_SECRET_LENGTH) {
      throw new IllegalArgumentException("the subscription's keys.auth has " + auth.length + " bytes, not "
          + AUTH_SECRET_LENGTH);
    }
    return new PushSubscription(endpoint, userAgentKey, auth);
  }

  /** The endpoint's origin (scheme, host and any non-default port): the audience of the VAPID token. */
  String origin() {
    String scheme = endpoint.getScheme().toLowerCase(Locale.ROOT);
    int port = endpoint.getPort();
    boolean defaultPort = port == -1 || (scheme.equals("https") && port == 443) || (scheme.equals("http") && port == 80);
    return scheme + "://" + endpoint.getHost().toLowerCase(Locale.ROOT) + (defaultPort ? "" : ":" + port);
  }

  private static JsonObject asObject(Object token) {
    if (token instanceof JsonObject object) {
      return object;
    }
    if (token instanceof String text) {
      try {
        return new JsonObject(text);
      } catch (DecodeException e) {
        throw new IllegalArgumentException("the token is not a push subscription's JSON", e);
      }
    }
    throw new IllegalArgumentException("the token is not a push subscription object");
  }

  private static URI endpoint(Object value, boolean allowHttp) {
    if (!(value instanceof String text) || text.isEmpty()) {
      throw new IllegalArgumentException("the subscription has no endpoint");
    }
    URI endpoint;
    try {
      endpoint = new URI(text);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("the subscription's endpoint is not a URL: " + e.getMessage(), e);
    }
    String scheme = endpoint.getScheme() == null ? "" : endpoint.getScheme().toLowerCase(Locale.ROOT);
    if (scheme.equals("http") && !allowHttp) {
      throw new IllegalArgumentException("the subscription's endpoint is an http URL; only https is allowed (see allow_http)");
    }
    if (!scheme.equals("https") && !scheme.equals("http")) {
      throw new IllegalArgumentException("the subscription's endpoint must be an https URL");
    }
    if (endpoint.getHost() == null || endpoint.getRawUserInfo() != null) {
      throw new IllegalArgumentException("the subscription's endpoint must name a host and no user");
    }
    return endpoint;
  }

  private static byte[] base64Url(Object value, String name) {
    if (!(value instanceof String text) || text.isEmpty()) {
      throw new IllegalArgumentException("the subscription has no " + name);
    }
    try {
      return Base64.getUrlDecoder().decode(text);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("the subscription's " + name + " is not base64url", e);
    }
  }
}
