package io.lockstep.push.webpush;

import io.lockstep.plugin.ConfigTree;
import io.lockstep.plugin.LockstepPlugin;
import io.lockstep.plugin.PluginContext;
import io.lockstep.plugin.PluginService;
import io.vertx.core.Deployable;

import java.util.List;
import java.util.function.Supplier;

/**
 * The push-webpush plugin: serves the {@code webpush} push provider (browser Web Push with VAPID)
 * when {@code plugins.config.push-webpush} is present, and nothing when it is not. A present but
 * invalid section makes {@link #init} throw with a sentence naming the setting.
 */
public final class WebPushPlugin implements LockstepPlugin {

  private WebPushConfig config;

  @Override
  public String id() {
    return "push-webpush";
  }

  @Override
  public void init(PluginContext context) {
    config = context.config().isEmpty() ? null : WebPushConfig.from(ConfigTree.pluginSection(id(), context.config()));
  }

  @Override
  public List<PluginService> services() {
    return config == null ? List.of() : List.of(PluginService.pushProvider(WebPushProvider.NAME).withSubscriptionTokens());
  }

  @Override
  public List<Supplier<? extends Deployable>> verticles() {
    WebPushConfig configured = config;
    return configured == null ? List.of() : List.of(() -> new WebPushProvider(configured));
  }
}
