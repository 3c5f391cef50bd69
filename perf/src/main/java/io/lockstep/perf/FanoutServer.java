package io.lockstep.perf;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The fan-out limit baseline: a bare Vert.x WebSocket server that forwards each sent frame to the
 * other connections of the conversation's members, with no durability, no auth check and no
 * ordering guarantees. It speaks just enough of Lockstep's frames (hello, send, sent, event) and the
 * conversation-creation endpoint for the same load generator to drive it.
 * Run: java -cp lockstep-perf.jar io.lockstep.perf.FanoutServer PORT
 */
public final class FanoutServer {

  private final Map<String, List<String>> members = new ConcurrentHashMap<>();
  private final Map<String, List<ServerWebSocket>> connections = new ConcurrentHashMap<>();
  private final AtomicLong seq = new AtomicLong();

  public static void main(String[] args) {
    int port = Integer.parseInt(args[0]);
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(Runtime.getRuntime().availableProcessors()));
    FanoutServer server = new FanoutServer();
    vertx.createHttpServer().requestHandler(request -> {
      if (request.path().equals("/v1/server/conversations")) {
        request.body().onSuccess(body -> {
          JsonObject json = body.toJsonObject();
          String id = UUID.randomUUID().toString();
          List<String> list = new ArrayList<>();
          json.getJsonArray("members").forEach(member -> list.add((String) member));
          server.members.put(id, list);
          request.response().setStatusCode(201).end(new JsonObject().put("conversation",
              new JsonObject().put("conversation_id", id).put("members", new JsonArray(list))).encode());
        });
      } else if (request.path().equals("/v1/ws")) {
        request.toWebSocket().onSuccess(server::accept);
      } else {
        request.response().setStatusCode(404).end();
      }
    }).listen(port).onSuccess(s -> System.out.println("fan-out baseline is up on " + port));
  }

  private void accept(ServerWebSocket socket) {
    String[] user = new String[1];
    socket.textMessageHandler(text -> {
      JsonObject frame = new JsonObject(text);
      switch (frame.getString("type")) {
        case "hello" -> {
          user[0] = subject(frame.getString("token"));
          connections.computeIfAbsent(user[0], key -> new CopyOnWriteArrayList<>()).add(socket);
          socket.writeTextMessage(new JsonObject().put("type", "welcome").put("device_id", UUID.randomUUID().toString()).encode());
          socket.writeTextMessage(new JsonObject().put("type", "synced").put("head", 0).encode());
        }
        case "send" -> {
          String conversation = frame.getString("conversation_id");
          String event = new JsonObject().put("type", "event").put("seq", seq.incrementAndGet()).put("kind", "message")
              .put("data", new JsonObject().put("conversation_id", conversation).put("body", frame.getJsonObject("body"))
                  .put("sender", new JsonObject().put("user_id", user[0]).put("device_id", "fanout"))).encode();
          for (String member : members.getOrDefault(conversation, List.of())) {
            for (ServerWebSocket other : connections.getOrDefault(member, List.of())) {
              if (other != socket) {
                other.writeTextMessage(event);
              }
            }
          }
          socket.writeTextMessage(new JsonObject().put("type", "sent").put("id", frame.getValue("id")).encode());
        }
        default -> {
        }
      }
    });
    socket.closeHandler(v -> {
      if (user[0] != null) {
        connections.getOrDefault(user[0], List.of()).remove(socket);
      }
    });
  }

  /** The user id from a JWT's payload (the baseline checks no signature). */
  private static String subject(String token) {
    String payload = token.split("\\.")[1];
    return new JsonObject(new String(Base64.getUrlDecoder().decode(payload), StandardCharsets.UTF_8)).getString("sub");
  }
}
