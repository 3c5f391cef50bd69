package io.lockstep.plugin;

import io.vertx.core.json.JsonObject;

/**
 * A conflict policy's answer. Wire form (reply body): {@code {"action": "accept"}},
 * {@code {"action": "reject"}} (the writer gets error {@code conflict} with the current value), or
 * {@code {"action": "merge", "value": ..., "state": ...}} (the merged value is stored instead of the
 * incoming one; {@code state} is optional data the policy keeps beside the value).
 */
public final class ConflictDecision {

  private final JsonObject json;

  private ConflictDecision(JsonObject json) {
    this.json = json;
  }

  public static ConflictDecision accept() {
    return new ConflictDecision(new JsonObject().put("action", "accept"));
  }

  public static ConflictDecision reject() {
    return new ConflictDecision(new JsonObject().put("action", "reject"));
  }

  public static ConflictDecision merge(Object value) {
    return new ConflictDecision(new JsonObject().put("action", "merge").put("value", value));
  }

  public static ConflictDecision merge(Object value, Object state) {
    return new ConflictDecision(new JsonObject().put("action", "merge").put("value", value).put("state", state));
  }

  public static ConflictDecision fromJson(JsonObject json) {
    String action = json.getString("action");
    if (!"accept".equals(action) && !"reject".equals(action) && !"merge".equals(action)) {
      throw new IllegalArgumentException("a conflict decision's action is accept, reject or merge, not " + action);
    }
    return new ConflictDecision(json);
  }

  public String action() {
    return json.getString("action");
  }

  public Object value() {
    return json.getValue("value");
  }

  public Object state() {
    return json.getValue("state");
  }

  public JsonObject toJson() {
    return json;
  }
}
