package io.lockstep.plugin;

import io.vertx.core.Deployable;

import java.util.List;
import java.util.function.Supplier;

/**
 * A Lockstep plugin: a jar that lists its implementation in
 * {@code META-INF/services/io.lockstep.plugin.LockstepPlugin}.
 *
 * <p>Lifecycle, on every node at start-up:
 * <ol>
 *   <li>the server finds the plugin with {@link java.util.ServiceLoader} (built-in plugins on its
 *   class path, and each jar of the plugins directory in a class loader of its own);</li>
 *   <li>it checks {@link #apiVersion()} against {@link #API_VERSION};</li>
 *   <li>it calls {@link #init(PluginContext)} once, with the plugin's configuration section;</li>
 *   <li>it deploys every verticle of {@link #verticles()}: they answer on the addresses of the
 *   contracts the plugin declares in {@link #services()};</li>
 *   <li>at shutdown it undeploys them and calls {@link #close()}.</li>
 * </ol>
 * A plugin that fails in any step is reported with its id and the reason, and the server goes on
 * without it, unless the configuration lists it under {@code plugins.required}.
 */
public interface LockstepPlugin {

  /** The version of this API. A plugin built against another major version is refused. */
  int API_VERSION = 1;

  /** A stable, unique id: the name of the plugin's configuration section and of its log lines. */
  String id();

  /** The API version the plugin was built against; leave the default. */
  default int apiVersion() {
    return API_VERSION;
  }

  /**
   * What the plugin serves: conflict policies, push providers, extensions. Read after
   * {@link #init(PluginContext)}, so a plugin whose configuration section is absent may serve nothing.
   */
  List<PluginService> services();

  /** Called once before deployment; validate the configuration here and throw to refuse to start. */
  default void init(PluginContext context) {
  }

  /** The verticles to deploy, one supplier per verticle (called once per deployment). */
  List<Supplier<? extends Deployable>> verticles();

  /** Called once after the plugin's verticles were undeployed. */
  default void close() {
  }
}
