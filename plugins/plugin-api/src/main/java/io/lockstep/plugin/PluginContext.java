package io.lockstep.plugin;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

/** What a plugin receives at {@link LockstepPlugin#init(PluginContext)}; the server implements it. */
public interface PluginContext {

  /**
   * The node's Vert.x, the one the plugin's verticles are deployed on. In a cluster its event bus is
   * clustered, but the contracts' requests come from the node itself.
   *
   * @return the node's Vert.x
   */
  Vertx vertx();

  /**
   * The plugin's configuration section, {@code plugins.config.<plugin id>}, as JSON: read it through
   * {@link ConfigTree#pluginSection(String, JsonObject)}. Values set through environment variables
   * arrive as text.
   *
   * @return the section; empty (never null) when the configuration has none
   */
  JsonObject config();

  /**
   * The id of the node the plugin runs on ({@code node_id}, or one generated at start-up).
   *
   * @return the node id
   */
  String nodeId();
}
