package io.lockstep.bus;

import io.lockstep.bus.LogCalls.Ack;
import io.lockstep.bus.LogCalls.Acked;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Typed requests and replies travel between verticles by reference, and never leave the node. */
class LocalCodecTest {

  private Vertx vertx;

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
    LocalCodec.register(vertx);
  }

  @AfterEach
  void stop() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @Test
  void aRequestAndItsReplyArriveAsTheSameObjects() throws Exception {
    AtomicReference<Object> received = new AtomicReference<>();
    Acked reply = new Acked(7);
    vertx.eventBus().<Ack>localConsumer(Operation.ACK.address(), message -> {
      received.set(message.body());
      message.reply(reply);
    }).completion().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    Ack request = new Ack(Caller.device("ada", "phone"), 7);

    Acked answered = new BusClient(vertx).call(request).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);

    assertSame(request, received.get(), "no copy per consumer");
    assertSame(reply, answered);
  }

  @Test
  void registeringTwiceOnOneInstanceIsHarmlessAndJsonKeepsItsCodec() throws Exception {
    LocalCodec.register(vertx);
    vertx.eventBus().<JsonObject>consumer("plain", message -> message.reply(message.body().copy().put("seen", true)));
    JsonObject sent = new JsonObject().put("a", 1);
    JsonObject answered = vertx.eventBus().<JsonObject>request("plain", sent).map(Message::body)
        .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    assertEquals(new JsonObject().put("a", 1).put("seen", true), answered);
  }

  @Test
  void aTypedMessageCannotBeEncodedForTheWire() {
    assertThrows(IllegalStateException.class, () -> new LocalCodec().encodeToWire(io.vertx.core.buffer.Buffer.buffer(),
        new Acked(1)));
  }
}
