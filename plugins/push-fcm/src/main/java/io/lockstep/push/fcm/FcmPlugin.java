package io.lockstep.push.fcm;

import io.lockstep.plugin.ConfigTree;
import io.lockstep.plugin.LockstepPlugin;
import io.lockstep.plugin.PluginContext;
import io.lockstep.plugin.PluginService;
import io.vertx.core.Deployable;
import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.function.Supplier;

/**
 * The push provider {@code fcm}: delivers notifications to Android, iOS and web apps through Firebase
 * Cloud Messaging. Serves nothing unless {@code plugins.config.push-fcm} is set; see {@link FcmConfig}.
 */
public final class FcmPlugin implements LockstepPlugin {

  private FcmConfig config;

  @Override
  public String id() {
    return "push-fcm";
  }

  @Override
  public void init(PluginContext context) {
    JsonObject section = context.config();
    config = section == null || section.isEmpty() ? null : FcmConfig.from(ConfigTree.pluginSection(id(), section));
  }

  @Override
  public List<PluginService> services() {
    return config == null ? List.of() : List.of(PluginService.pushProvider(FcmProvider.NAME));
  }

  @Override
  public List<Supplier<? extends Deployable>> verticles() {
    FcmConfig configured = config;
    return configured == null ? List.of() : List.of(() -> new FcmProvider(configured));
  }
}
