package io.lockstep.plugin;

import io.vertx.core.json.JsonObject;

/**
 * A conflict policy's answer to one {@link ConflictRequest}. Its wire form, the reply body on
 * {@code lockstep.conflict.<policy>}, is one of:
 * <ul>
 *   <li>{@code {"action": "accept"}}: the incoming value is stored;</li>
 *   <li>{@code {"action": "reject"}}: nothing is stored and the writer gets error {@code conflict}, with
 *   the value that stays in {@code current};</li>
 *   <li>{@code {"action": "merge", "value": ..., "state": ...}}: {@code value} is stored instead of the
 *   incoming one, and {@code state} (optional, any JSON value) beside it, handed back to the policy as
 *   {@link ConflictRequest.Stored#state()} with the next write of the key.</li>
 * </ul>
 * Every stored write, merged or accepted, gets the next version and goes to all the user's devices.
 */
public final class ConflictDecision {

  private final JsonObject json;

  private ConflictDecision(JsonObject json) {
    this.json = json;
  }

  /**
   * Store the incoming value.
   *
   * @return the decision
   */
  public static ConflictDecision accept() {
    return new ConflictDecision(new JsonObject().put("action", "accept"));
  }

  /**
   * Keep the stored value; the writer gets error {@code conflict} with it.
   *
   * @return the decision
   */
  public static ConflictDecision reject() {
    return new ConflictDecision(new JsonObject().put("action", "reject"));
  }

  /**
   * Store this value instead of the incoming one (and no state).
   *
   * @param value any JSON value: null, a {@code String}, {@code Number}, {@code Boolean},
   *     {@code JsonObject} or {@code JsonArray}
   * @return the decision
   */
  public static ConflictDecision merge(Object value) {
    return new ConflictDecision(new JsonObject().put("action", "merge").put("value", value));
  }

  /**
   * Store this value instead of the incoming one, and keep {@code state} beside it for the next decision
   * (an observed-remove set keeps its tags there, say). Devices see only the value.
   *
   * @param value the value to store, any JSON value
   * @param state the policy's own data, any JSON value
   * @return the decision
   */
  public static ConflictDecision merge(Object value, Object state) {
    return new ConflictDecision(new JsonObject().put("action", "merge").put("value", value).put("state", state));
  }

  /**
   * Reads a decision from its wire form.
   *
   * @param json a reply body
   * @return the decision
   * @throws IllegalArgumentException when {@code action} is not accept, reject or merge
   */
  public static ConflictDecision fromJson(JsonObject json) {
    String action = json.getString("action");
    if (!"accept".equals(action) && !"reject".equals(action) && !"merge".equals(action)) {
      throw new IllegalArgumentException("a conflict decision's action is accept, reject or merge, not " + action);
    }
    return new ConflictDecision(json);
  }

  /**
   * The action.
   *
   * @return {@code accept}, {@code reject} or {@code merge}
   */
  public String action() {
    return json.getString("action");
  }

  /**
   * The value a merge stores.
   *
   * @return the value, or null for accept and reject
   */
  public Object value() {
    return json.getValue("value");
  }

  /**
   * The state a merge keeps beside its value.
   *
   * @return the state, or null
   */
  public Object state() {
    return json.getValue("state");
  }

  /**
   * The wire form.
   *
   * @return the reply body
   */
  public JsonObject toJson() {
    return json;
  }
}
