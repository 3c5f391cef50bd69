package io.lockstep.protocol;

import io.vertx.core.json.JsonObject;

/**
 * Hybrid-clock stamps on the wire. A stamp is above 2^53, where JavaScript's JSON.parse rounds
 * numbers, so every stamp the server writes goes out twice: as the JSON number old clients read and
 * as the same value in decimal ({@code <field>_str}) that any client reads exactly. Stamps a client
 * sends may be either form.
 */
public final class HlcStamps {

  public static final String EXACT_SUFFIX = "_str";

  private HlcStamps() {
  }

  /** Puts a stamp under field and, exactly, under field + "_str". */
  public static JsonObject put(JsonObject json, String field, long stamp) {
    return json.put(field, stamp).put(field + EXACT_SUFFIX, Long.toUnsignedString(stamp));
  }

  /**
   * A stamp a client sent under field, as a non-negative integer or its decimal string; null when
   * absent. Anything else fails with invalid_field.
   */
  public static Long optional(JsonObject json, String field) {
    if (json.getValue(field) instanceof String text) {
      if (!text.matches("[0-9]{1,19}")) {
        throw Fields.invalid(field, "must be a non-negative integer or its decimal string");
      }
      try {
        return Long.parseLong(text);
      } catch (NumberFormatException e) {
        throw Fields.invalid(field, "must be below 2^63");
      }
    }
    return Fields.optionalCount(json, field);
  }
}
