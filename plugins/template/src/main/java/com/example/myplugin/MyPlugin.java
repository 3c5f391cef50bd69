package com.example.myplugin;

import io.lockstep.plugin.ConfigTree;
import io.lockstep.plugin.LockstepPlugin;
import io.lockstep.plugin.PluginContext;
import io.lockstep.plugin.PluginService;
import io.vertx.core.Deployable;

import java.util.List;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The plugin: the class META-INF/services/io.lockstep.plugin.LockstepPlugin names. It serves the
 * {@code field-merge} conflict policy always, and the {@code relay} push provider once its section
 * {@code plugins.config.my-plugin.relay} is configured.
 */
// snippet:begin plugin
public final class MyPlugin implements LockstepPlugin {

  private RelayConfig relay;   // null while plugins.config.my-plugin.relay is absent

  @Override
  public String id() {
    return "my-plugin";
  }

  @Override
  public int apiVersion() {
    return API_VERSION;   // compiled in from the API this plugin is built against
  }

  @Override
  public void init(PluginContext context) {
    ConfigTree config = ConfigTree.pluginSection(id(), context.config());
    config.onlyKeys(Set.of("relay"));
    ConfigTree relaySection = config.section("relay");
    relay = relaySection.isEmpty() ? null : RelayConfig.from(relaySection);
  }

  @Override
  public List<PluginService> services() {
    PluginService policy = PluginService.conflictPolicy(FieldMerge.NAME);
    return relay == null ? List.of(policy) : List.of(policy, PluginService.pushProvider(RelayProvider.NAME));
  }

  @Override
  public List<Supplier<? extends Deployable>> verticles() {
    return relay == null ? List.of(FieldMerge::new) : List.of(FieldMerge::new, () -> new RelayProvider(relay));
  }
}
// snippet:end
