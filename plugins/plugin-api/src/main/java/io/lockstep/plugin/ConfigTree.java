package io.lockstep.plugin;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Typed reads from one section of the configuration tree, for the server's own settings and for a
 * plugin's section alike. Every refusal is an {@link IllegalArgumentException} whose sentence names the
 * full key ({@code configuration key plugins.config.push-apns.port must be ...}), so a plugin that
 * reads its section through a tree in {@link LockstepPlugin#init(PluginContext)} fails at start-up with
 * a message an operator can act on.
 *
 * <p>Values may come from YAML or from environment variables, so numbers, booleans and durations are
 * also read from their text ({@code "443"}, {@code "true"}, {@code "30s"}). Readers without a fallback
 * require the key; readers with one return it when the key is absent (or null).
 */
public final class ConfigTree {

  private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|h|d)");

  private final JsonObject json;
  private final String path;

  /**
   * A tree over a section of the configuration.
   *
   * @param json the section; null reads as empty
   * @param path the section's full name, by which refusals name its keys ("" for the root)
   */
  public ConfigTree(JsonObject json, String path) {
    this.json = json == null ? new JsonObject() : json;
    this.path = path;
  }

  /**
   * A plugin's section, {@code plugins.config.<plugin id>}: wrap {@link PluginContext#config()} in it.
   *
   * @param pluginId the plugin's id
   * @param section the section as the server handed it
   * @return the tree, naming its keys {@code plugins.config.<pluginId>.<key>}
   */
  public static ConfigTree pluginSection(String pluginId, JsonObject section) {
    return new ConfigTree(section, "plugins.config." + pluginId);
  }

  /**
   * The full name of this section.
   *
   * @return e.g. {@code plugins.config.push-webhook}
   */
  public String path() {
    return path;
  }

  /**
   * Whether the section has no keys: a plugin whose section is empty usually serves nothing.
   *
   * @return true when empty (or absent)
   */
  public boolean isEmpty() {
    return json.isEmpty();
  }

  /**
   * Whether the key is present with a value other than null.
   *
   * @param key a key of this section
   * @return true when it has a value
   */
  public boolean has(String key) {
    return json.getValue(key) != null;
  }

  /**
   * Refuses keys this section does not know, so that a misspelt setting is not silently ignored.
   *
   * @param known every key the section may have
   * @throws IllegalArgumentException naming the unknown keys and the known ones
   */
  public void onlyKeys(Collection<String> known) {
    Set<String> unknown = new TreeSet<>(json.fieldNames());
    unknown.removeAll(known);
    if (!unknown.isEmpty()) {
      throw new IllegalArgumentException("configuration section " + path + " has an unknown key "
          + String.join(", ", unknown) + "; its keys are " + String.join(", ", new TreeSet<>(known)));
    }
  }

  /**
   * Which of two alternative keys is given ({@code key_file} or {@code key}, say).
   *
   * @param first one key
   * @param second the other
   * @param what what they hold, for the refusal
   * @return the key that is given
   * @throws IllegalArgumentException unless exactly one of them is
   */
  public String exactlyOne(String first, String second, String what) {
    if (has(first) == has(second)) {
      throw new IllegalArgumentException("configuration section " + path + " needs exactly one of " + first + " and "
          + second + " (" + what + ")");
    }
    return has(first) ? first : second;
  }

  /**
   * A subsection.
   *
   * @param key the key holding it
   * @return its tree, named below this one; an empty one when absent
   * @throws IllegalArgumentException when the key holds something other than a section
   */
  public ConfigTree section(String key) {
    Object value = json.getValue(key);
    if (value == null) {
      return new ConfigTree(new JsonObject(), key(key));
    }
    if (!(value instanceof JsonObject section)) {
      throw invalid(key, "must be a section");
    }
    return new ConfigTree(section, key(key));
  }

  /**
   * The text of a required key (numbers and booleans as their text).
   *
   * @param key the key
   * @return its text
   * @throws IllegalArgumentException when it is missing
   */
  public String string(String key) {
    return required(key).toString();
  }

  /**
   * The text of an optional key, stripped of surrounding blanks.
   *
   * @param key the key
   * @param fallback the answer when the key is absent
   * @return its text, or {@code fallback}
   * @throws IllegalArgumentException when it is present but blank
   */
  public String string(String key, String fallback) {
    Object value = json.getValue(key);
    if (value == null) {
      return fallback;
    }
    String text = value.toString().strip();
    if (text.isEmpty()) {
      throw invalid(key, "must not be blank");
    }
    return text;
  }

  /**
   * A required whole number that fits an {@code int}.
   *
   * @param key the key
   * @return its value
   * @throws IllegalArgumentException when it is missing, not a whole number or out of range
   */
  public int integer(String key) {
    long value = longValue(key);
    if (value < Integer.MIN_VALUE || value > Integer.MAX_VALUE) {
      throw invalid(key, "is out of range");
    }
    return (int) value;
  }

  /**
   * A required whole number, from a number or its text.
   *
   * @param key the key
   * @return its value
   * @throws IllegalArgumentException when it is missing or not a whole number
   */
  public long longValue(String key) {
    Object value = required(key);
    if (value instanceof Number number) {
      if (number.doubleValue() != number.longValue()) {
        throw invalid(key, "must be a whole number, not " + value);
      }
      return number.longValue();
    }
    try {
      return Long.parseLong(value.toString().trim());
    } catch (NumberFormatException e) {
      throw invalid(key, "must be a whole number, not '" + value + "'");
    }
  }

  /**
   * An optional whole number within bounds.
   *
   * @param key the key
   * @param fallback the answer when the key is absent (not checked against the bounds)
   * @param min the smallest value taken
   * @param max the largest value taken
   * @return its value, or {@code fallback}
   * @throws IllegalArgumentException when it is not a whole number from {@code min} to {@code max}
   */
  public long longValue(String key, long fallback, long min, long max) {
    if (!has(key)) {
      return fallback;
    }
    long value;
    try {
      value = longValue(key);
    } catch (IllegalArgumentException notANumber) {
      throw invalid(key, "must be a whole number from " + min + " to " + max + ", not '" + json.getValue(key) + "'");
    }
    if (value < min || value > max) {
      throw invalid(key, "must be a whole number from " + min + " to " + max + ", not " + value);
    }
    return value;
  }

  /**
   * A required boolean, from {@code true}/{@code false} or their text (in any case).
   *
   * @param key the key
   * @return its value
   * @throws IllegalArgumentException when it is missing or neither true nor false
   */
  public boolean bool(String key) {
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

  /**
   * An optional boolean.
   *
   * @param key the key
   * @param fallback the answer when the key is absent
   * @return its value, or {@code fallback}
   * @throws IllegalArgumentException when it is neither true nor false
   */
  public boolean bool(String key, boolean fallback) {
    return has(key) ? bool(key) : fallback;
  }

  /**
   * A required duration: text such as {@code 500ms}, {@code 30s}, {@code 5m}, {@code 12h}, {@code 30d}
   * or {@code 0}, or a number of milliseconds.
   *
   * @param key the key
   * @return its value
   * @throws IllegalArgumentException when it is missing or not a duration
   */
  public Duration duration(String key) {
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

  /**
   * A required list: a YAML sequence, or (from an environment variable) a JSON array or comma-separated text.
   *
   * @param key the key
   * @return its items
   * @throws IllegalArgumentException when it is missing or its text starts like a JSON array but is not one
   */
  public JsonArray list(String key) {
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

  /**
   * A free-form section handed on as JSON (a section, or the text of a JSON object).
   *
   * @param key the key
   * @return the object; an empty one when absent
   * @throws IllegalArgumentException when it holds something else
   */
  public JsonObject object(String key) {
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

  /**
   * A required enum constant, named in lower case with {@code -} for {@code _} ({@code key-file} for
   * {@code KEY_FILE}), in any case.
   *
   * @param key the key
   * @param type the enum
   * @param <E> the enum's type
   * @return the constant
   * @throws IllegalArgumentException when it is missing or names no constant
   */
  public <E extends Enum<E>> E enumValue(String key, Class<E> type) {
    String text = string(key).trim().toUpperCase(Locale.ROOT).replace('-', '_');
    try {
      return Enum.valueOf(type, text);
    } catch (IllegalArgumentException e) {
      throw invalid(key, "has no value '" + text.toLowerCase(Locale.ROOT).replace('_', '-') + "'");
    }
  }

  /**
   * An optional absolute {@code http} or {@code https} URL.
   *
   * @param key the key
   * @param fallback the URL when the key is absent (not checked); may be null
   * @return the URL, or {@code fallback} parsed, or null
   * @throws IllegalArgumentException when the value is not an absolute http(s) URL with a host
   */
  public URI httpUrl(String key, String fallback) {
    String text = string(key, null);
    if (text == null) {
      return fallback == null ? null : URI.create(fallback);
    }
    try {
      URI uri = new URI(text);
      if (("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) && uri.getHost() != null) {
        return uri;
      }
    } catch (URISyntaxException notAUri) {
      // refused below, like any other text that is not an absolute http(s) URL
    }
    throw invalid(key, "must be an absolute http or https URL, not '" + text + "'");
  }

  /**
   * An optional path of a readable file.
   *
   * @param key the key
   * @return the path, or null when the key is absent
   * @throws IllegalArgumentException when it names no readable regular file
   */
  public Path readableFile(String key) {
    String text = string(key, null);
    if (text == null) {
      return null;
    }
    try {
      Path file = Path.of(text);
      if (Files.isRegularFile(file) && Files.isReadable(file)) {
        return file;
      }
    } catch (InvalidPathException notAPath) {
      // refused below
    }
    throw invalid(key, "names " + text + ", which is not a readable file (it cannot be read)");
  }

  /**
   * The text of the file an optional key names (a key file, a certificate).
   *
   * @param key the key
   * @return the file's text, or null when the key is absent
   * @throws IllegalArgumentException when it names no readable file
   */
  public String fileText(String key) {
    Path file = readableFile(key);
    if (file == null) {
      return null;
    }
    try {
      return Files.readString(file);
    } catch (IOException e) {
      throw invalid(key, "names " + file + ", which cannot be read: " + e.getMessage());
    }
  }

  /**
   * A refusal of a key's value, for checks of your own: throw it from {@code init}.
   *
   * @param key the key
   * @param problem what is wrong, e.g. {@code "must be at least 16 characters"}
   * @return {@code configuration key <section>.<key> <problem>}
   */
  public IllegalArgumentException invalid(String key, String problem) {
    return new IllegalArgumentException("configuration key " + key(key) + " " + problem);
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
}
