package io.lockstep.perf;

import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.nats.client.JetStream;
import io.nats.client.JetStreamManagement;
import io.nats.client.Nats;
import io.nats.client.PushSubscribeOptions;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.Tuple;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;

/** The baselines measured beside Lockstep in the same run. */
public final class Baselines {

  private Baselines() {
  }

  /**
   * The durable-write limit: the rows a send writes (message, every member's log row, the counters),
   * written straight to PostgreSQL by the harness through the same SQL function, in batches of B per
   * transaction, P transactions in flight, no server in between. Messages per second.
   */
  public static JsonObject durableWrites(ServerProcess server, Fleet fleet, ChatScenario.Population population,
                                         Duration duration, int batch, int parallel) {
    Vertx vertx = fleet.vertx();
    PgConnectOptions connect = PgConnectOptions.fromUri(server.pgUrl()).setCachePreparedStatements(true).setPipeliningLimit(256);
    Pool pool = PgBuilder.pool().with(new PoolOptions().setMaxSize(parallel)).connectingTo(connect).using(vertx).build();
    AtomicLong written = new AtomicLong();
    long end = System.nanoTime() + duration.toNanos();
    Random random = new Random(7);
    List<CompletableFuture<Void>> workers = new ArrayList<>();
    List<List<Integer>> owned = new ArrayList<>();
    for (int w = 0; w < parallel; w++) {
      owned.add(new ArrayList<>());
    }
    List<String> seen = new ArrayList<>();
    for (int u = 0; u < population.users(); u++) {
      String conversation = population.conversationOf.get(u);
      int index = seen.indexOf(conversation);
      if (index < 0) {
        seen.add(conversation);
        index = seen.size() - 1;
      }
      owned.get(index % parallel).add(u);
    }
    for (int w = 0; w < parallel; w++) {
      CompletableFuture<Void> worker = new CompletableFuture<>();
      workers.add(worker);
      loop(pool, population, owned.get(w), batch, end, written, random, w, worker);
    }
    CompletableFuture.allOf(workers.toArray(CompletableFuture[]::new)).join();
    Fleet.await(pool.close());
    double seconds = duration.toNanos() / 1e9;
    return new JsonObject().put("batch", batch).put("parallel", parallel).put("messages", written.get())
        .put("messages_per_s", Math.round(written.get() / seconds));
  }

  /**
   * One worker: batches of sends into the conversations it owns (no two workers share a conversation
   * or a user, and a batch is sorted by conversation, so batched transactions cannot deadlock).
   */
  private static void loop(Pool pool, ChatScenario.Population population, List<Integer> users, int batch, long end,
                           AtomicLong written, Random random, int worker, CompletableFuture<Void> done) {
    if (System.nanoTime() >= end || users.isEmpty()) {
      done.complete(null);
      return;
    }
    List<Integer> picked = new ArrayList<>(batch);
    for (int i = 0; i < batch; i++) {
      synchronized (random) {
        picked.add(users.get(random.nextInt(users.size())));
      }
    }
    picked.sort(java.util.Comparator.comparing(population.conversationOf::get));
    List<Tuple> sends = new ArrayList<>(batch);
    for (int i = 0; i < batch; i++) {
      int user = picked.get(i);
      Device sender = population.devices.get(user).get(0);
      sends.add(Tuple.of(sender.userId, sender.deviceId, population.conversationOf.get(user),
          "dw-" + worker + "-" + System.nanoTime() + "-" + i, new JsonObject().put("text", "baseline")));
    }
    pool.withTransaction(tx -> tx.preparedQuery("SELECT outcome FROM lockstep_send($1, $2, $3, $4, $5)").executeBatch(sends))
        .onComplete(result -> {
          if (result.succeeded()) {
            written.addAndGet(batch);
          }
          loop(pool, population, users, batch, end, written, random, worker, done);
        });
  }

  /**
   * NATS JetStream doing the same chat job (the same pairs and groups of four): a file-backed stream
   * per user and a durable push consumer per device; a message is published (with its
   * acknowledgement: durable) to the stream of every member. Open-loop rate; send→acked and
   * send→delivered-to-every-other-device latencies. With perDeviceConnections each device has a NATS
   * connection of its own, as each has its own WebSocket to Lockstep, and publishes on it; otherwise
   * one connection carries every device's deliveries and every publish.
   */
  public static JsonObject natsJetStream(int users, int devicesPerUser, int rate, Duration duration, String runId,
                                         boolean perDeviceConnections) throws Exception {
    String url = System.getenv().getOrDefault("LOCKSTEP_PERF_NATS_URL", "nats://127.0.0.1:4222");
    List<Connection> deviceConnections = new ArrayList<>();
    try (Connection nats = Nats.connect(url)) {
      JetStreamManagement management = nats.jetStreamManagement();
      List<JetStream> publishers = new ArrayList<>();
      int total = (int) (rate * duration.toSeconds());
      long[] intended = new long[total];
      AtomicIntegerArray remaining = new AtomicIntegerArray(total);
      Latency acked = new Latency();
      Latency delivered = new Latency();
      AtomicLong deliveries = new AtomicLong();
      List<List<Integer>> groupOf = new ArrayList<>(java.util.Collections.nCopies(users, List.<Integer>of()));
      for (List<Integer> group : ChatScenario.groups(users)) {
        group.forEach(member -> groupOf.set(member, group));
      }
      String prefix = "p" + runId.replace("-", "");
      Dispatcher shared = nats.createDispatcher();
      for (int u = 0; u < users; u++) {
        String name = prefix + "_u" + u;
        management.addStream(StreamConfiguration.builder().name(name).subjects(name + ".msg").storageType(StorageType.File).build());
        for (int d = 0; d < devicesPerUser; d++) {
          int device = u * devicesPerUser + d;
          Connection connection = perDeviceConnections ? Nats.connect(url) : nats;
          if (perDeviceConnections) {
            deviceConnections.add(connection);
          }
          JetStream jetStream = connection.jetStream();
          publishers.add(jetStream);
          Dispatcher dispatcher = perDeviceConnections ? connection.createDispatcher() : shared;
          jetStream.subscribe(name + ".msg", dispatcher, message -> {
            long now = System.nanoTime();
            String[] parts = new String(message.getData(), StandardCharsets.UTF_8).split(":");
            int n = Integer.parseInt(parts[0]);
            int senderDevice = Integer.parseInt(parts[1]);
            if (senderDevice != device && n < total) {
              deliveries.incrementAndGet();
              if (remaining.decrementAndGet(n) == 0) {
                delivered.recordNanos(now - intended[n]);
              }
            }
          }, true, PushSubscribeOptions.builder().durable(name + "_d" + d).build());
        }
      }
      Random random = new Random(42);
      long start = System.nanoTime() + 200_000_000L;
      int[] sender = new int[total];
      for (int n = 0; n < total; n++) {
        sender[n] = random.nextInt(users);
        intended[n] = start + (long) (n * 1e9 / rate);
        remaining.set(n, groupOf.get(sender[n]).size() * devicesPerUser - 1);
      }
      for (int n = 0; n < total; n++) {
        ChatScenario.sleepUntil(intended[n]);
        int from = sender[n];
        byte[] data = (n + ":" + (from * devicesPerUser) + ":hello from the load generator").getBytes(StandardCharsets.UTF_8);
        List<CompletableFuture<?>> acks = new ArrayList<>();
        for (int member : groupOf.get(from)) {
          acks.add(publishers.get(from * devicesPerUser).publishAsync(prefix + "_u" + member + ".msg", data));
        }
        int message = n;
        CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new))
            .thenRun(() -> acked.recordNanos(System.nanoTime() - intended[message]));
      }
      long deadline = System.nanoTime() + 20_000_000_000L;
      while (delivered.count() < total && System.nanoTime() < deadline) {
        ChatScenario.sleepUntil(System.nanoTime() + 50_000_000L);
      }
      for (int u = 0; u < users; u++) {
        management.deleteStream(prefix + "_u" + u);
      }
      double seconds = duration.toNanos() / 1e9;
      return new JsonObject().put("rate", rate).put("users", users).put("devices_per_user", devicesPerUser)
          .put("connections", perDeviceConnections ? "one per device" : "one for all")
          .put("messages", total).put("sent", acked.toJson()).put("delivered_to_all", delivered.toJson())
          .put("deliveries_per_s", Math.round(deliveries.get() / seconds))
          .put("undelivered_messages", total - delivered.count());
    } finally {
      for (Connection connection : deviceConnections) {
        connection.close();
      }
    }
  }

}
