package io.lockstep.bus;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/** What plugins this node loaded (answered by the server's plugin host). */
public final class PluginCalls {

  private PluginCalls() {
  }

  public record ListPlugins() implements BusRequest<PluginList> {
    @Override
    public Operation operation() {
      return Operation.LIST_PLUGINS;
    }
  }

  public record PluginList(JsonArray plugins) implements BusReply {
    @Override
    public JsonObject toJson() {
      return new JsonObject().put("plugins", plugins.copy());
    }
  }
}
