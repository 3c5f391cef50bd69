package io.lockstep.perf;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/** Command-line options of a benchmark run: --name value pairs and --flags, with defaults per scenario. */
public final class Options {

  private final Map<String, String> values = new HashMap<>();

  public static Options parse(String[] args, int from) {
    Options options = new Options();
    for (int i = from; i < args.length; i++) {
      if (!args[i].startsWith("--")) {
        throw new IllegalArgumentException("expected --option, got " + args[i]);
      }
      String name = args[i].substring(2);
      if (i + 1 < args.length && !args[i + 1].startsWith("--")) {
        options.values.put(name, args[++i]);
      } else {
        options.values.put(name, "true");
      }
    }
    return options;
  }

  public Options with(String name, String value) {
    values.put(name, value);
    return this;
  }

  public int integer(String name, int fallback) {
    return values.containsKey(name) ? Integer.parseInt(values.get(name)) : fallback;
  }

  public boolean flag(String name) {
    return Boolean.parseBoolean(values.getOrDefault(name, "false"));
  }

  public String string(String name, String fallback) {
    return values.getOrDefault(name, fallback);
  }

  /** A duration such as 60s, 500ms or 2m. */
  public Duration duration(String name, Duration fallback) {
    String value = values.get(name);
    if (value == null) {
      return fallback;
    }
    if (value.endsWith("ms")) {
      return Duration.ofMillis(Long.parseLong(value.substring(0, value.length() - 2)));
    }
    if (value.endsWith("s")) {
      return Duration.ofSeconds(Long.parseLong(value.substring(0, value.length() - 1)));
    }
    if (value.endsWith("m")) {
      return Duration.ofMinutes(Long.parseLong(value.substring(0, value.length() - 1)));
    }
    return Duration.ofSeconds(Long.parseLong(value));
  }

  public Map<String, String> asMap() {
    return Map.copyOf(values);
  }
}
