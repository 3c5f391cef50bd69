package io.lockstep.bus;

import io.lockstep.protocol.Fields;
import io.vertx.core.json.JsonObject;

/** Requests and replies of a device's push token (answered by io.lockstep.notify.PushTokenVerticle). */
public final class PushCalls {

  private PushCalls() {
  }

  /** token is a string, or a subscription object for providers that take one; the verticle checks which. */
  public record RegisterToken(Caller caller, String provider, Object token) implements BusRequest<TokenRegistered> {
    public static RegisterToken from(Caller caller, JsonObject frame) {
      return new RegisterToken(caller, Fields.requiredString(frame, "provider"), frame.getValue("token"));
    }

    @Override
    public Operation operation() {
      return Operation.PUSH_REGISTER;
    }
  }

  public record TokenRegistered(String provider, String outcome) implements BusReply {
    @Override
    public JsonObject toJson() {
      return new JsonObject().put("provider", provider).put("outcome", outcome);
    }
  }

  public record UnregisterToken(Caller caller) implements BusRequest<TokenUnregistered> {
    @Override
    public Operation operation() {
      return Operation.PUSH_UNREGISTER;
    }
  }

  public record TokenUnregistered(boolean removed) implements BusReply {
    @Override
    public JsonObject toJson() {
      return new JsonObject().put("removed", removed);
    }
  }
}
