package com.example.lockstep;

import io.lockstep.plugin.ConfigTree;
import io.lockstep.plugin.LockstepPlugin;
import io.lockstep.plugin.PluginContext;
import io.lockstep.plugin.PluginService;
import io.vertx.core.Deployable;

import java.util.List;
import java.util.Set;
import java.util.function.Supplier;

/**
 * An example plugin to copy. It serves two things:
 * <ul>
 *   <li>a conflict policy, {@code first-writer-wins}: the first value written to a key stays (for
 *   settings such as a chosen username); point a key at it in {@code settings.keys};</li>
 *   <li>an extension, {@code message-counter}: counts the messages sent in each conversation by
 *   listening to the server's {@code lockstep.events.message}, and answers
 *   {@code example.messages.count} with {@code {conversation_id}} → {@code {count}}.</li>
 * </ul>
 * The server finds this class through
 * {@code META-INF/services/io.lockstep.plugin.LockstepPlugin}, calls {@link #init} with the
 * section {@code plugins.config.example-plugin} of its configuration, then deploys {@link #verticles()}.
 */
public final class ExamplePlugin implements LockstepPlugin {

  private String countAddress;

  @Override
  public String id() {
    return "example-plugin";
  }

  @Override
  public int apiVersion() {
    return API_VERSION;   // compiled in from the API this plugin is built against
  }

  @Override
  public List<PluginService> services() {
    return List.of(PluginService.conflictPolicy(FirstWriterWins.NAME), PluginService.extension("message-counter"));
  }

  /** Reads the plugin's own configuration; throwing here keeps the plugin out, with the reason logged. */
  @Override
  public void init(PluginContext context) {
    ConfigTree config = ConfigTree.pluginSection(id(), context.config());   // plugins.config.example-plugin
    config.onlyKeys(Set.of("count_address"));                               // a misspelt key is refused, not ignored
    countAddress = config.string("count_address", MessageCounter.DEFAULT_ADDRESS);  // blank is refused
      }

  /** One supplier per verticle; the server deploys each once on every node. */
  @Override
  public List<Supplier<? extends Deployable>> verticles() {
    return List.of(FirstWriterWins::new, () -> new MessageCounter(countAddress));
  }
}
