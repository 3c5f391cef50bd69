package io.lockstep.protocol;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.math.BigInteger;

/** Reads typed fields from a client frame or request body; a bad field fails with invalid_field naming it. */
public final class Fields {

  public static final int MAX_ID_LENGTH = 128;

  private Fields() {
  }

  public static String requiredString(JsonObject json, String field) {
    String value = optionalString(json, field);
    if (value == null) {
      throw invalid(field, "is required and must be a non-empty string");
    }
    return value;
  }

  public static String optionalString(JsonObject json, String field) {
    Object value = json.getValue(field);
    if (value == null) {
      return null;
    }
    if (!(value instanceof String text) || text.isEmpty()) {
      throw invalid(field, "must be a non-empty string");
    }
    return text;
  }

  /** An identifier: a non-empty string of at most 128 characters. */
  public static String requiredId(JsonObject json, String field) {
    String value = requiredString(json, field);
    checkIdLength(field, value);
    return value;
  }

  public static String optionalId(JsonObject json, String field) {
    String value = optionalString(json, field);
    if (value != null) {
      checkIdLength(field, value);
    }
    return value;
  }

  /** A string of at most maxLength characters, or fallback when absent. */
  public static String optionalText(JsonObject json, String field, int maxLength, String fallback) {
    String value = optionalString(json, field);
    if (value == null) {
      return fallback;
    }
    if (value.length() > maxLength) {
      throw invalid(field, "must be at most " + maxLength + " characters");
    }
    return value;
  }

  /** A page size: 1 to max, default when absent. */
  public static int pageLimit(JsonObject json, String field, int defaultLimit, int max) {
    Long limit = optionalCount(json, field);
    if (limit == null) {
      return defaultLimit;
    }
    if (limit < 1 || limit > max) {
      throw invalid(field, "must be between 1 and " + max);
    }
    return limit.intValue();
  }

  public static long requiredCount(JsonObject json, String field) {
    Long value = optionalCount(json, field);
    if (value == null) {
      throw invalid(field, "is required and must be a non-negative integer");
    }
    return value;
  }

  /** A non-negative whole number, or null when absent. 1.5, -1, "3" and numbers beyond 2^63 are refused. */
  public static Long optionalCount(JsonObject json, String field) {
    Object value = json.getValue(field);
    if (value == null) {
      return null;
    }
    if (!(value instanceof Number number) || !isWhole(number)) {
      throw invalid(field, "must be a non-negative integer");
    }
    long result = number.longValue();
    if (result < 0) {
      throw invalid(field, "must be a non-negative integer");
    }
    return result;
  }

  public static boolean optionalBoolean(JsonObject json, String field) {
    Object value = json.getValue(field);
    if (value != null && !(value instanceof Boolean)) {
      throw invalid(field, "must be true or false");
    }
    return Boolean.TRUE.equals(value);
  }

  public static JsonObject requiredObject(JsonObject json, String field) {
    Object value = json.getValue(field);
    if (!(value instanceof JsonObject object)) {
      throw invalid(field, "is required and must be a JSON object");
    }
    return object;
  }

  public static JsonArray requiredArray(JsonObject json, String field) {
    Object value = json.getValue(field);
    if (!(value instanceof JsonArray array)) {
      throw invalid(field, "is required and must be an array");
    }
    return array;
  }

  public static LockstepException invalid(String field, String problem) {
    return new LockstepException(ErrorCode.INVALID_FIELD, "field '" + field + "' " + problem);
  }

  private static void checkIdLength(String field, String value) {
    if (value.length() > MAX_ID_LENGTH) {
      throw invalid(field, "must be at most " + MAX_ID_LENGTH + " characters");
    }
  }

  private static boolean isWhole(Number number) {
    if (number instanceof Integer || number instanceof Long || number instanceof Short || number instanceof Byte) {
      return true;
    }
    return number instanceof BigInteger big && big.bitLength() < 64;
  }
}
