package io.lockstep.push.webhook;

import io.lockstep.plugin.ConfigTree;
import io.lockstep.plugin.LockstepPlugin;
import io.lockstep.plugin.PluginContext;
import io.lockstep.plugin.PluginService;
import io.vertx.core.Deployable;

import java.util.List;
import java.util.function.Supplier;

/**
 * The webhook push provider as a plugin: serves provider {@code webhook} once
 * {@code plugins.config.push-webhook} names a URL and a secret, and nothing otherwise.
 */
public final class WebhookPlugin implements LockstepPlugin {

  private WebhookConfig config;

  @Override
  public String id() {
    return "push-webhook";
  }

  @Override
  public void init(PluginContext context) {
    config = context.config().isEmpty() ? null : WebhookConfig.from(ConfigTree.pluginSection(id(), context.config()));
  }

  @Override
  public List<PluginService> services() {
    return config == null ? List.of() : List.of(PluginService.pushProvider(WebhookProvider.NAME));
  }

  @Override
  public List<Supplier<? extends Deployable>> verticles() {
    return config == null ? List.of() : List.of(() -> new WebhookProvider(config));
  }
}
