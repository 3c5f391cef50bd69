package io.lockstep.bus;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageCodec;

/**
 * Passes {@link BusRequest}s and {@link BusReply}s between verticles of one node by reference: they
 * are immutable records, so nothing is copied per consumer. Operations are answered by local
 * consumers only, so these messages never cross the wire.
 */
public final class LocalCodec implements MessageCodec<Object, Object> {

  public static final String NAME = "lockstep.local";

  /** Registers the codec and selects it for every typed request and reply sent on this Vert.x instance. */
  public static void register(Vertx vertx) {
    try {
      vertx.eventBus().registerCodec(new LocalCodec());
    } catch (IllegalStateException alreadyRegistered) {
      return;
    }
    vertx.eventBus().codecSelector(body -> body instanceof BusRequest<?> || body instanceof BusReply ? NAME : null);
  }

  @Override
  public void encodeToWire(Buffer buffer, Object body) {
    throw new IllegalStateException(body.getClass().getSimpleName() + " is a local bus message; it cannot leave the node");
  }

  @Override
  public Object decodeFromWire(int pos, Buffer buffer) {
    throw new IllegalStateException("typed bus messages are never read from the wire");
  }

  @Override
  public Object transform(Object body) {
    return body;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public byte systemCodecID() {
    return -1;
  }
}
