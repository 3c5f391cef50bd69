package io.lockstep.plugin;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

/** What a plugin receives at {@link LockstepPlugin#init(PluginContext)}. */
public interface PluginContext {

  Vertx vertx();

  /** The plugin's configuration section: {@code plugins.config.<plugin id>}, empty when absent. */
  JsonObject config();

  /** The id of the node the plugin runs on. */
  String nodeId();
}
