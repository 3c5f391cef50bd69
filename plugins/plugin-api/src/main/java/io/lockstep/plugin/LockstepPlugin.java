package io.lockstep.plugin;

import io.vertx.core.Deployable;

import java.util.List;
import java.util.function.Supplier;

/**
 * A Lockstep plugin: the class a jar names in
 * {@code META-INF/services/io.lockstep.plugin.LockstepPlugin}. A jar may name several, one per line;
 * each is a plugin of its own, with its own id, configuration section and state.
 *
 * <p>Lifecycle, on every node at start-up:
 * <ol>
 *   <li>the server finds the plugin with {@link java.util.ServiceLoader} (built-in plugins on its
 *   class path, then each jar of the plugins directory in a class loader of its own, whose parent is
 *   the server's: a class the server has wins over the jar's copy) and creates it with its public
 *   no-argument constructor;</li>
 *   <li>it checks {@link #apiVersion()} against {@link #API_VERSION} and that no running plugin has
 *   the same {@link #id()};</li>
 *   <li>it calls {@link #init(PluginContext)} once, with the plugin's configuration section;</li>
 *   <li>it reads {@link #services()}, then deploys every verticle of {@link #verticles()}, one after
 *   the other: they answer on the addresses of the contracts the services declare;</li>
 *   <li>at shutdown it undeploys them and calls {@link #close()}.</li>
 * </ol>
 * A plugin that fails in any step (an exception, a verticle whose start fails) is reported with its
 * id and the reason, in the log and in {@code GET /v1/server/plugins}, and the node starts without
 * it, unless the configuration lists it under {@code plugins.required}: then the node does not start.
 * Every method but {@code close} is called once per node, from a worker thread or the node's start-up.
 */
public interface LockstepPlugin {

  /** The version of this API. A plugin built against another major version is refused. */
  int API_VERSION = 1;

  /**
   * A stable, unique id: the name of the plugin's configuration section
   * ({@code plugins.config.<id>}), of {@code plugins.required} entries and of its log lines.
   *
   * @return e.g. {@code push-webhook}
   */
  String id();

  /**
   * The API version the plugin was built against. Override it as {@code return API_VERSION;} in your own
   * class: the compiler copies the constant of the API you build against into it, so that a server of
   * another major version can tell and refuse the plugin. The default is compiled into this interface,
   * so it answers the server's own version and passes every check.
   *
   * @return {@link #API_VERSION} as the plugin's build saw it
   */
  default int apiVersion() {
    return API_VERSION;
  }

  /**
   * What the plugin serves: conflict policies, push providers, extensions. Read after
   * {@link #init(PluginContext)}, so a plugin whose configuration section is absent may serve nothing
   * (as the bundled push providers do).
   *
   * @return the services; may be empty
   */
  List<PluginService> services();

  /**
   * Called once before deployment: read and check the configuration here, and keep what the verticles
   * need. Throw (an {@link IllegalArgumentException} from {@link ConfigTree} says which key is wrong) to
   * keep the plugin out.
   *
   * @param context the node's Vert.x, id and the plugin's configuration section
   */
  default void init(PluginContext context) {
  }

  /**
   * The verticles to deploy on the node, after {@link #init(PluginContext)}: one supplier per verticle,
   * each called once per node.
   *
   * @return the suppliers; may be empty
   */
  List<Supplier<? extends Deployable>> verticles();

  /** Called once after the plugin's verticles were undeployed, to release what {@code init} took. */
  default void close() {
  }
}
