package io.lockstep.client;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/** The quick start of clients/java/README.md and docs/client-java.md, compiled and run against the stand-in server. */
class QuickStartTest {

  @RegisterExtension
  static final FakeServer SERVER = new FakeServer();

  @Test
  void theQuickStartRuns() {
    String token = "good";
    String savedDeviceId = null;
    Long savedSeq = null;
    String conversationId = "c1";
    List<Long> applied = new CopyOnWriteArrayList<>();

    // --- quick start
    LockstepClient client = LockstepClient.create(ClientOptions.of("127.0.0.1", SERVER.port));
    Connection connection = client.connect().join();
    connection.onEvent(event -> {
      applied.add(event.seq());                   // in seq order, each once: store it, then ack
      if (event.seq() % 100 == 0) {
        connection.ackQuietly(event.seq());
      }
    });
    Welcome welcome = connection.hello(Hello.withToken(token).deviceId(savedDeviceId).cursor(savedSeq)).join();
    savedDeviceId = welcome.deviceId();           // keep it: the next hello names this device
    long head = connection.synced().join();       // the backlog is in; what follows is live

    Sent sent = connection.send(conversationId, "c0ffee-1", new JsonObject().put("text", "Pizza at 8?")).join();
    try {
      connection.send("x", "c0ffee-2", new JsonObject().put("text", "?")).join();
    } catch (CompletionException e) {
      if (e.getCause() instanceof LockstepException error && error.errorCode() == ErrorCode.NOT_MEMBER) {
        applied.add(-1L);                         // a refusal with its stable code; nothing was stored
      }
    }
    connection.close().join();
    client.close().join();
    // --- end

    assertEquals("d1", savedDeviceId);
    assertEquals(3, head);
    assertEquals(4, sent.seq());
    assertFalse(sent.duplicate());
    assertEquals(List.of(1L, 2L, 3L, -1L), applied);
  }
}
