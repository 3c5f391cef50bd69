package io.lockstep.config;

import io.vertx.config.ConfigRetriever;
import io.vertx.config.ConfigRetrieverOptions;
import io.vertx.config.ConfigStoreOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Loads the configuration with vertx-config: the defaults in conf/lockstep.yaml (bundled in the
 * jar), then the optional YAML file named by LOCKSTEP_CONFIG, then one environment variable per
 * key (LOCKSTEP_ + the key's path in upper case, dots as underscores), then the overrides given in
 * code (tests). Later sources win.
 */
public final class ConfigLoader {

  public static final String DEFAULTS = "conf/lockstep.yaml";
  public static final String CONFIG_FILE_VARIABLE = "LOCKSTEP_CONFIG";
  private static final String PREFIX = "LOCKSTEP_";

  private ConfigLoader() {
  }

  public static Future<LockstepConfig> load(Vertx vertx, JsonObject overrides) {
    ConfigRetrieverOptions files = new ConfigRetrieverOptions()
        .setScanPeriod(-1)
        .addStore(yaml(DEFAULTS, false));
    String extraFile = System.getenv(CONFIG_FILE_VARIABLE);
    if (extraFile != null && !extraFile.isBlank()) {
      files.addStore(yaml(extraFile, true));
    }
    return retrieve(vertx, files)
        .compose(base -> environment(vertx, base).map(env -> applyEnvironment(base, env)))
        .map(merged -> LockstepConfig.from(merged.mergeIn(overrides, true)));
  }

  /** Short names accepted besides the generated ones. */
  private static final Map<String, List<String>> ALIASES = Map.of("LOCKSTEP_CLUSTER", List.of("cluster", "enabled"));

  /** The environment variables that override each leaf key of the tree (in file order), and the aliases. */
  public static Map<String, List<String>> variableNames(JsonObject tree) {
    Map<String, List<String>> names = new LinkedHashMap<>();
    collect(tree, List.of(), names);
    ALIASES.forEach((alias, path) -> {
      if (names.containsValue(path)) {
        names.put(alias, path);
      }
    });
    return names;
  }

  private static void collect(JsonObject tree, List<String> path, Map<String, List<String>> names) {
    for (String key : tree.fieldNames()) {
      List<String> keyPath = new java.util.ArrayList<>(path);
      keyPath.add(key);
      Object value = tree.getValue(key);
      if (value instanceof JsonObject section) {
        collect(section, keyPath, names);
      } else {
        names.put(PREFIX + String.join("_", keyPath).replace('-', '_').toUpperCase(Locale.ROOT), keyPath);
      }
    }
  }

  private static Future<JsonObject> environment(Vertx vertx, JsonObject base) {
    JsonArray keys = new JsonArray(List.copyOf(variableNames(base).keySet()));
    ConfigRetrieverOptions env = new ConfigRetrieverOptions()
        .setScanPeriod(-1)
        .addStore(new ConfigStoreOptions().setType("env")
            .setConfig(new JsonObject().put("keys", keys).put("raw-data", true)));
    return retrieve(vertx, env);
  }

  private static JsonObject applyEnvironment(JsonObject base, JsonObject env) {
    JsonObject merged = base.copy();
    variableNames(base).forEach((variable, path) -> {
      String value = env.getString(variable);
      if (value == null) {
        return;
      }
      JsonObject section = merged;
      for (String key : path.subList(0, path.size() - 1)) {
        section = section.getJsonObject(key);
      }
      section.put(path.get(path.size() - 1), value);
    });
    return merged;
  }

  private static ConfigStoreOptions yaml(String path, boolean required) {
    return new ConfigStoreOptions().setType("file").setFormat("yaml").setOptional(!required)
        .setConfig(new JsonObject().put("path", path));
  }

  private static Future<JsonObject> retrieve(Vertx vertx, ConfigRetrieverOptions options) {
    ConfigRetriever retriever = ConfigRetriever.create(vertx, options);
    return retriever.getConfig().andThen(done -> retriever.close());
  }
}
