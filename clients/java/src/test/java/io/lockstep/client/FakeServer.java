package io.lockstep.client;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.util.concurrent.TimeUnit;

/**
 * A stand-in server speaking a small part of Lockstep's protocol, on /v1/ws and on SockJS's websocket
 * path: hello (token "bad" is refused), a backlog as one event and one batch, send (conversation "x"
 * is not_member; "slow" is answered after the next request), and "close" closing with 4008.
 * Register as {@code @RegisterExtension static final FakeServer SERVER = new FakeServer()}.
 */
final class FakeServer implements BeforeAllCallback, AfterAllCallback {

  Vertx vertx;
  int port;

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    vertx = Vertx.vertx();
    port = vertx.createHttpServer(new HttpServerOptions()).webSocketHandler(this::serve).listen(0, "127.0.0.1")
        .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS).actualPort();
  }

  private void serve(ServerWebSocket socket) {
    boolean sockJs = socket.path().startsWith("/v1/sockjs/");
    if (sockJs) {
      socket.writeTextMessage("o");
    }
    JsonObject[] held = {null};
    socket.textMessageHandler(text -> {
      JsonObject frame = sockJs ? new JsonObject(new JsonArray(text).getString(0)) : new JsonObject(text);
      Object id = frame.getValue("id");
      switch (frame.getString("type")) {
        case "hello" -> {
          if ("bad".equals(frame.getString("token"))) {
            write(socket, sockJs, new JsonObject().put("type", "error").put("code", "unauthorized").put("message", "bad token"));
            return;
          }
          write(socket, sockJs, new JsonObject().put("type", "welcome").put("user_id", "ana").put("device_id", "d1")
              .put("cursor", 0).put("head", 3).put("retention_floor", 0).put("reset_required", false).put("heartbeat_ms", 30000));
          write(socket, sockJs, event(1));
          write(socket, sockJs, new JsonObject().put("type", "events").put("events", new JsonArray().add(event(2)).add(event(3))));
          write(socket, sockJs, new JsonObject().put("type", "synced").put("head", 3));
        }
        case "send" -> {
          String conversation = frame.getString("conversation_id");
          JsonObject reply = "x".equals(conversation)
              ? new JsonObject().put("type", "error").put("id", id).put("code", "not_member").put("message", "not yours")
              : new JsonObject().put("type", "sent").put("id", id).put("client_msg_id", frame.getString("client_msg_id"))
                  .put("conversation_id", conversation).put("conv_seq", 1).put("seq", 4).put("duplicate", false);
          if ("slow".equals(conversation)) {
            held[0] = reply;
            return;
          }
          write(socket, sockJs, reply);
          if (held[0] != null) {
            write(socket, sockJs, held[0]);
            held[0] = null;
          }
        }
        case "close" -> {
          if (sockJs) {
            write(socket, sockJs, new JsonObject().put("type", "close").put("code", 4008).put("reason", "slow_consumer"));
            socket.writeTextMessage("c[3000,\"Go away!\"]");
          } else {
            socket.close((short) 4008, "slow_consumer");
          }
        }
        default -> write(socket, sockJs, new JsonObject().put("type", "error").put("id", id).put("code", "unknown_type")
            .put("message", "no such type"));
      }
    });
  }

  private static JsonObject event(long seq) {
    return new JsonObject().put("type", "event").put("seq", seq).put("kind", "message").put("ts", 1000 + seq)
        .put("data", new JsonObject().put("n", seq));
  }

  private static void write(ServerWebSocket socket, boolean sockJs, JsonObject frame) {
    socket.writeTextMessage(sockJs ? "a" + new JsonArray().add(frame.encode()).encode() : frame.encode());
  }

  @Override
  public void afterAll(ExtensionContext context) throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }
}
