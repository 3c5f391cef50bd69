package io.lockstep.config;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Typed reads from one section of the configuration tree; errors name the full key. */
final class ConfigTree {

  private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|h|d)");

  private final JsonObject json;
  private final String path;

  ConfigTree(JsonObject json, String path) {
    this.json = json;
    this.path = path;
  }

  ConfigTree section(String key) {
    Object value = json.getValue(key);
    if (value == null) {
      return new ConfigTree(new JsonObject(), key(key));
    }
    if (!(value instanceof JsonObject section)) {
      throw invalid(key, "must be a section");
    }
    return new ConfigTree(section, key(key));
  }

  String string(String key) {
    Object value = required(key);
    return value.toString();
  }

  int integer(String key) {
    long value = longValue(key);
    if (value < Integer.MIN_VALUE || value > Integer.MAX_VALUE) {
      throw invalid(key, "is out of range");
    }
    return (int) value;
  }

  long longValue(String key) {
    Object value = required(key);
    if (value instanceof Number number) {
      return number.longValue();
    }
    try {
      return Long.parseLong(value.toString().trim());
    } catch (NumberFormatException e) {
      throw invalid(key, "must be a whole number, not '" + value + "'");
    }
  }

  boolean bool(String key) {
    Object value = required(key);
    if (value instanceof Boolean flag) {
      return flag;
    }
    String text = value.toString().trim().toLowerCase(Locale.ROOT);
    if (text.equals("true") || text.equals("false")) {
      return Boolean.parseBoolean(text);
    }
    throw invalid(key, "must be true or false, not '" + value + "'");
  }

  Duration duration(String key) {
    Object value = required(key);
    if (value instanceof Number number) {
      return Duration.ofMillis(number.longValue());
    }
    String text = value.toString().trim().toLowerCase(Locale.ROOT);
    if (text.equals("0")) {
      return Duration.ZERO;
    }
    Matcher m = DURATION.matcher(text);
    if (!m.matches()) {
      throw invalid(key, "must be a duration such as 500ms, 30s, 5m, 12h or 30d, not '" + value + "'");
    }
    long amount = Long.parseLong(m.group(1));
    return switch (m.group(2)) {
      case "ms" -> Duration.ofMillis(amount);
      case "s" -> Duration.ofSeconds(amount);
      case "m" -> Duration.ofMinutes(amount);
      case "h" -> Duration.ofHours(amount);
      default -> Duration.ofDays(amount);
    };
  }

  /** A list: a YAML sequence, or (from an environment variable) a JSON array or comma-separated text. */
  JsonArray list(String key) {
    Object value = required(key);
    if (value instanceof JsonArray array) {
      return array;
    }
    String text = value.toString().trim();
    if (text.startsWith("[")) {
      try {
        return new JsonArray(text);
      } catch (RuntimeException e) {
        throw invalid(key, "is not a valid JSON array");
      }
    }
    JsonArray items = new JsonArray();
    for (String item : text.split(",")) {
      if (!item.isBlank()) {
        items.add(item.trim());
      }
    }
    return items;
  }

  /** A free-form section handed on as JSON (plugin configuration). */
  JsonObject object(String key) {
    Object value = json.getValue(key);
    if (value == null) {
      return new JsonObject();
    }
    if (value instanceof JsonObject object) {
      return object;
    }
    try {
      return new JsonObject(value.toString());
    } catch (RuntimeException e) {
      throw invalid(key, "must be a section (or a JSON object)");
    }
  }

  <E extends Enum<E>> E enumValue(String key, Class<E> type) {
    String text = string(key).trim().toUpperCase(Locale.ROOT).replace('-', '_');
    try {
      return Enum.valueOf(type, text);
    } catch (IllegalArgumentException e) {
      throw invalid(key, "has no value '" + text.toLowerCase(Locale.ROOT).replace('_', '-') + "'");
    }
  }

  private Object required(String key) {
    Object value = json.getValue(key);
    if (value == null) {
      throw invalid(key, "is missing");
    }
    return value;
  }

  private String key(String key) {
    return path.isEmpty() ? key : path + "." + key;
  }

  IllegalArgumentException invalid(String key, String problem) {
    return new IllegalArgumentException("configuration key " + key(key) + " " + problem);
  }
}
