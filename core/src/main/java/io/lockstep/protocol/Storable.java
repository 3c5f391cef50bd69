package io.lockstep.protocol;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.Map;

/**
 * Finds what a client sent that PostgreSQL cannot store, so that it is refused at the edge
 * (invalid_field) instead of failing in the database (internal): a NUL character, which no text or
 * jsonb value may hold; a lone UTF-16 surrogate, which has no UTF-8 form; a number that is not finite,
 * which JSON cannot carry.
 */
public final class Storable {

  private Storable() {
  }

  /** The path of the first unstorable value in a parsed frame or body (e.g. {@code body.text}), or null. */
  public static String problem(JsonObject json) {
    return problem(json, "");
  }

  /** The problem of one string, or null: "a NUL character" or "a lone surrogate". */
  public static String problem(String text) {
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == 0) {
        return "a NUL character";
      }
      if (Character.isHighSurrogate(c)) {
        if (i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
          i++;
        } else {
          return "a lone surrogate";
        }
      } else if (Character.isLowSurrogate(c)) {
        return "a lone surrogate";
      }
    }
    return null;
  }

  private static String problem(Object value, String path) {
    if (value instanceof String text) {
      return problem(text) == null ? null : orRoot(path);
    }
    if (value instanceof Double number && !Double.isFinite(number) || value instanceof Float small && !Float.isFinite(small)) {
      return orRoot(path);
    }
    if (value instanceof JsonObject object) {
      for (Map.Entry<String, Object> entry : object) {
        String child = path.isEmpty() ? entry.getKey() : path + "." + entry.getKey();
        if (problem(entry.getKey()) != null) {
          return orRoot(child);
        }
        String found = problem(entry.getValue(), child);
        if (found != null) {
          return found;
        }
      }
    } else if (value instanceof JsonArray array) {
      for (int i = 0; i < array.size(); i++) {
        String found = problem(array.getValue(i), path + "[" + i + "]");
        if (found != null) {
          return found;
        }
      }
    }
    return null;
  }

  private static String orRoot(String path) {
    return path.isEmpty() ? "(frame)" : path;
  }
}
