package io.lockstep.perf;

import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * cross-node: three clustered nodes; a user's phone is connected to node A and laptop to node B, and
 * the other member of their conversation sends from node C. Closed loop, one message at a time:
 * latency from the send until both devices have the message, after as many messages again
 * unrecorded (warm-up). What it measures is the clustered path: commit, Redis routing lookup, the
 * event bus to two other nodes, and their sessions.
 */
final class CrossNodeScenario {

  static final int NODES = 3;

  private CrossNodeScenario() {
  }

  static JsonObject run(List<ServerProcess> nodes, int measured, String runId) {
    int warmUp = measured;
    int total = warmUp + measured;
    try (Fleet onA = new Fleet(nodes.get(0).port()); Fleet onB = new Fleet(nodes.get(1).port());
         Fleet onC = new Fleet(nodes.get(2).port())) {
      String reader = runId + "-x";
      String writer = runId + "-y";
      String conversation = Fleet.await(onC.conversation("direct", List.of(reader, writer)));
      Device phone = new Device(reader, 0);
      Device laptop = new Device(reader, 1);
      Device sender = new Device(writer, 2);
      Fleet.await(phone.connect(onA, new JsonObject()));
      Fleet.await(laptop.connect(onB, new JsonObject()));
      Fleet.await(sender.connect(onC, new JsonObject()));

      Map<Integer, AtomicInteger> arrivals = new ConcurrentHashMap<>();
      CompletableFuture<?>[] bothHaveIt = new CompletableFuture<?>[1];
      for (Device device : List.of(phone, laptop)) {
        device.listen(frame -> {
          if ("message".equals(frame.getString("kind"))) {
            int n = frame.getJsonObject("data").getJsonObject("body").getInteger("n");
            if (arrivals.computeIfAbsent(n, key -> new AtomicInteger()).incrementAndGet() == 2) {
              bothHaveIt[0].complete(null);
            }
          }
        });
      }
      Latency latency = new Latency();
      for (int n = 0; n < total; n++) {
        bothHaveIt[0] = new CompletableFuture<>();
        long start = System.nanoTime();
        sender.send(new JsonObject().put("type", "send").put("conversation_id", conversation)
            .put("client_msg_id", "x" + n).put("body", new JsonObject().put("n", n)));
        bothHaveIt[0].orTimeout(30, TimeUnit.SECONDS).join();
        if (n >= warmUp) {
          latency.recordNanos(System.nanoTime() - start);
        }
      }
      Fleet.closeAll(List.of(phone, laptop, sender));
      return new JsonObject().put("nodes", NODES).put("messages", measured).put("warm_up_messages", warmUp)
          .put("delivered_to_both", arrivals.values().stream().filter(count -> count.get() == 2).count())
          .put("latency", latency.toJson());
    }
  }
}
