package io.lockstep.client;

import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The connection's protocol handling against a stand-in server, over both transports. */
class ConnectionTest {

  @RegisterExtension
  static final FakeServer SERVER = new FakeServer();

  private static LockstepClient client(Transport transport) {
    return LockstepClient.create(SERVER.vertx, ClientOptions.of("127.0.0.1", SERVER.port).withTransport(transport));
  }

  private static <T> T await(CompletableFuture<T> future) throws Exception {
    return future.get(10, TimeUnit.SECONDS);
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void theBacklogArrivesInOrderWithBatchesUnpackedThenSynced(Transport transport) throws Exception {
    Connection connection = await(client(transport).connect());
    List<Long> seqs = new CopyOnWriteArrayList<>();
    List<String> types = new CopyOnWriteArrayList<>();
    connection.onEvent(event -> seqs.add(event.seq())).onFrame(frame -> types.add(frame.getString("type")));
    Welcome welcome = await(connection.hello(Hello.withToken("good")));
    assertEquals("d1", welcome.deviceId());
    assertEquals(3, welcome.head());
    assertEquals(3L, await(connection.synced()));
    assertEquals(List.of(1L, 2L, 3L), seqs);
    assertEquals(List.of("welcome", "event", "events", "synced"), types);
    assertEquals(3, connection.lastSeq());
    assertEquals("d1", connection.deviceId());
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void aRefusedHelloFailsWithItsCode(Transport transport) throws Exception {
    Connection connection = await(client(transport).connect());
    CompletionException refused = assertThrows(CompletionException.class, () -> connection.hello(Hello.withToken("bad")).join());
    LockstepException error = assertInstanceOf(LockstepException.class, refused.getCause());
    assertEquals(ErrorCode.UNAUTHORIZED, error.errorCode());
    assertEquals("unauthorized", error.code());
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void repliesAreMatchedToTheirRequestsWhateverTheOrder(Transport transport) throws Exception {
    Connection connection = await(client(transport).connect());
    await(connection.hello(Hello.withToken("good")));
    CompletableFuture<Sent> slow = connection.send("slow", "m-1", new JsonObject().put("text", "first"));
    CompletableFuture<Sent> fast = connection.send("c1", "m-2", new JsonObject().put("text", "second"));
    assertEquals("m-2", await(fast).clientMsgId());
    assertEquals("m-1", await(slow).clientMsgId(), "the held reply, sent after the second, completes the first request");
    CompletionException refused = assertThrows(CompletionException.class,
        () -> connection.send("x", "m-3", new JsonObject()).join());
    assertEquals(ErrorCode.NOT_MEMBER, assertInstanceOf(LockstepException.class, refused.getCause()).errorCode());
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void theServersCloseCodeIsReportedAndFailsWhatWaits(Transport transport) throws Exception {
    Connection connection = await(client(transport).connect());
    await(connection.hello(Hello.withToken("good")));
    CompletableFuture<Sent> waiting = connection.send("slow", "m-1", new JsonObject());
    connection.write(new JsonObject().put("type", "close"));
    CloseReason reason = await(connection.closed());
    assertEquals(4008, reason.code());
    assertEquals(CloseCode.SLOW_CONSUMER, reason.closeCode());
    assertEquals(CloseCode.Next.RECONNECT_WITH_BACKOFF, reason.closeCode().next());
    CompletionException failed = assertThrows(CompletionException.class, waiting::join);
    assertInstanceOf(ConnectionClosedException.class, failed.getCause());
    assertFalse(connection.isOpen());
    assertTrue(connection.request(new JsonObject().put("type", "ping")).isCompletedExceptionally(),
        "a request after the close fails at once");
  }

  @Test
  void anUpgradeRefusedWithAStatusFailsWithItAndItsRetryAfter() throws Exception {
    HttpServer refusing = SERVER.vertx.createHttpServer().requestHandler(request -> request.response().setStatusCode(429)
        .putHeader("Retry-After", "7").end("{\"code\":\"rate_limited\"}"));
    int port = refusing.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS).actualPort();
    try {
      LockstepClient client = LockstepClient.create(SERVER.vertx, ClientOptions.of("127.0.0.1", port));
      CompletionException failed = assertThrows(CompletionException.class, () -> client.connect().join());
      UpgradeRefusedException refused = assertInstanceOf(UpgradeRefusedException.class, failed.getCause());
      assertEquals(429, refused.status());
      assertEquals(7, refused.retryAfterSeconds());
    } finally {
      refusing.close();
    }
  }
}
