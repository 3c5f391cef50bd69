package io.lockstep.plugin;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.List;

/**
 * A typed view of a push request, the body {@link PushProviderVerticle#push} receives. Fields the
 * server adds later stay reachable through {@link #toJson()}.
 */
public final class PushRequest {

  private final JsonObject json;

  /**
   * A view of a request body.
   *
   * @param json the body as the server sent it
   */
  public PushRequest(JsonObject json) {
    this.json = json;
  }

  /**
   * The outbox row: the same id comes again when the push is retried; use it as an idempotency key.
   *
   * @return the push's id
   */
  public long pushId() {
    return json.getLong("push_id");
  }

  /**
   * The provider name the device registered its token for.
   *
   * @return the provider
   */
  public String provider() {
    return json.getString("provider");
  }

  /**
   * The user the notification is for.
   *
   * @return the user id
   */
  public String userId() {
    return json.getString("user_id");
  }

  /**
   * The device the notification is for.
   *
   * @return the device id
   */
  public String deviceId() {
    return json.getString("device_id");
  }

  /**
   * The token as the device registered it: a {@code String}, or a {@code JsonObject} for a provider that
   * declared {@link PluginService#withSubscriptionTokens()}.
   *
   * @return the token
   */
  public Object token() {
    return json.getValue("token");
  }

  /**
   * What to show: {@code message} (an alert with {@link #body()}, and {@link #title()} unless previews
   * are off) or {@code badge} (a silent update of the badge; clear the conversation's notification).
   *
   * @return {@code message} or {@code badge}
   */
  public String kind() {
    return json.getString("kind");
  }

  /**
   * Whether this is a silent badge update.
   *
   * @return true for {@code kind: badge}
   */
  public boolean silent() {
    return "badge".equals(kind());
  }

  /**
   * The conversation's id: a newer notification with the same collapse id replaces the older one.
   *
   * @return the collapse id
   */
  public String collapseId() {
    return json.getString("collapse_id");
  }

  /**
   * The user's total unread count when the push was sent.
   *
   * @return the badge
   */
  public long badge() {
    return json.getLong("badge");
  }

  /**
   * The sender's display name.
   *
   * @return the title; null for a badge update, or when {@code push.preview} is {@code none}
   */
  public String title() {
    return json.getString("title");
  }

  /**
   * The message text (cut to {@code push.preview_length}) or {@code push.generic_text}.
   *
   * @return the body; null for a badge update
   */
  public String body() {
    return json.getString("body");
  }

  /**
   * The conversations whose notification this device showed and that have been read since: deliver
   * them so that the app removes those notifications (also in {@link #data()} as {@code dismiss}).
   *
   * @return the conversation ids; empty when there is nothing to dismiss
   */
  public List<String> dismiss() {
    JsonArray dismiss = json.getJsonArray("dismiss");
    return dismiss == null ? List.of() : dismiss.stream().map(String.class::cast).toList();
  }

  /**
   * The data for the app: {@code kind}, {@code conversation_id}, {@code badge}, {@code coalesced} (how
   * many events this push stands for), for a message {@code conv_seq} and {@code sender_user_id}, and
   * {@code dismiss} when there are notifications to remove.
   *
   * @return the data object
   */
  public JsonObject data() {
    return json.getJsonObject("data");
  }

  /**
   * The wire form.
   *
   * @return the request body
   */
  public JsonObject toJson() {
    return json;
  }
}
