package io.lockstep.push.apns;

import io.lockstep.plugin.ConfigTree;
import io.lockstep.plugin.LockstepPlugin;
import io.lockstep.plugin.PluginContext;
import io.lockstep.plugin.PluginService;
import io.vertx.core.Deployable;

import java.util.List;
import java.util.function.Supplier;

/**
 * The push-apns plugin: serves push provider {@code apns} (Apple Push Notification service) once its
 * section {@code plugins.config.push-apns} is filled in, and nothing while it is absent. A section that
 * is wrong refuses the plugin at {@link #init(PluginContext)} with a sentence naming the key.
 */
public final class ApnsPlugin implements LockstepPlugin {

  private ApnsConfig config;

  @Override
  public String id() {
    return "push-apns";
  }

  @Override
  public void init(PluginContext context) {
    config = context.config().isEmpty() ? null : ApnsConfig.from(ConfigTree.pluginSection(id(), context.config()));
  }

  @Override
  public List<PluginService> services() {
    return config == null ? List.of() : List.of(PluginService.pushProvider(ApnsProvider.NAME));
  }

  @Override
  public List<Supplier<? extends Deployable>> verticles() {
    return config == null ? List.of() : List.of(() -> new ApnsProvider(config));
  }
}
