package io.lockstep.perf;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/** The scenarios besides chat: catch-up, reconnect storm, read propagation and idle connections. */
public final class Scenarios {

  /** Connections per holder process of the connections scenario (below this machine's 20,000 open files). */
  private static final int HOLDER_CONNECTIONS = 8_000;

  private Scenarios() {
  }

  /**
   * catch-up: one device is offline while N events accrue in its user's log (seeded through the same
   * SQL function the server's sends use); it reconnects from its cursor. Time and events/s until
   * synced, and whether every event arrived once, in order.
   */
  public static JsonObject catchUp(Fleet fleet, ServerProcess server, int events, String runId) throws Exception {
    String reader = runId + "-reader";
    String writer = runId + "-writer";
    String conversation = Fleet.await(fleet.conversation("direct", List.of(reader, writer)));
    Device laptop = new Device(reader, 0);
    Device phone = new Device(writer, 1);
    Fleet.await(laptop.connect(fleet, new JsonObject()));
    Fleet.await(phone.connect(fleet, new JsonObject()));
    long cursor = laptop.lastSeq;
    Fleet.await(laptop.close());
    seed(server, writer, phone.deviceId, conversation, events, new JsonObject().put("text", "seeded"));
    JsonObject perEvent = catchUpOnce(fleet, server, laptop, cursor, new JsonObject());
    JsonObject batched = catchUpOnce(fleet, server, laptop, cursor, new JsonObject().put("batch", true));
    Fleet.await(phone.close());
    return perEvent.put("events", events).put("batched", batched.put("events", events));
  }

  /** One reconnect of the device from the cursor, until synced: events received, in order or not, per second. */
  private static JsonObject catchUpOnce(Fleet fleet, ServerProcess server, Device device, long cursor, JsonObject hello)
      throws Exception {
    device.lastSeq = cursor;
    AtomicLong received = new AtomicLong();
    AtomicLong outOfOrder = new AtomicLong();
    AtomicLong last = new AtomicLong(cursor);
    device.listen(frame -> {
      if ("event".equals(frame.getString("type"))) {
        long seq = frame.getLong("seq");
        if (seq != last.get() + 1) {
          outOfOrder.incrementAndGet();
        }
        last.set(seq);
        received.incrementAndGet();
      }
    });
    double cpuBefore = server.cpuSeconds();
    PostgresCpu postgres = PostgresCpu.start(server);
    long start = System.nanoTime();
    Fleet.await(device.connect(fleet, hello));
    double seconds = (System.nanoTime() - start) / 1e9;
    double cpu = server.cpuSeconds() - cpuBefore;
    double postgresCpu = postgres.stop();
    Fleet.await(device.close());
    return new JsonObject().put("received", received.get()).put("out_of_order", outOfOrder.get())
        .put("seconds", Latency.round(seconds)).put("events_per_s", Math.round(received.get() / seconds))
        .put("server_cpu_cores", Latency.round(cpu / seconds))
        .put("postgres_cpu_cores", Latency.round(postgresCpu / seconds));
  }

  /**
   * Writes N messages with the body from the writer into the conversation, 1,000 per transaction, with
   * the server's own SQL (so no frame limit applies to the body).
   */
  static void seed(ServerProcess server, String user, String deviceId, String conversation, int events, JsonObject body)
      throws Exception {
    try (Connection connection = DriverManager.getConnection(server.jdbcUrl(), server.pgUser(), "");
         PreparedStatement statement = connection.prepareStatement(
             "SELECT count(*) FROM generate_series(1, ?) g, LATERAL lockstep_send(?, ?, ?, ? || g, ?::jsonb)")) {
      for (int done = 0; done < events; done += 1000) {
        statement.setInt(1, Math.min(1000, events - done));
        statement.setString(2, user);
        statement.setString(3, deviceId);
        statement.setString(4, conversation);
        statement.setString(5, "seed-" + done + "-");
        statement.setString(6, body.encode());
        statement.execute();
      }
    }
  }

  /**
   * reconnect storm: K devices are connected, drop at once, and reconnect at once with their
   * cursors. Time until all are synced again, and errors.
   */
  public static JsonObject storm(Fleet fleet, ServerProcess server, int devices, String runId) {
    List<Device> all = new ArrayList<>();
    for (int i = 0; i < devices; i++) {
      all.add(new Device(runId + "-s" + (i / 3), i));
    }
    Fleet.inBatches(all, 200, device -> device.connect(fleet, new JsonObject()));
    Fleet.closeAll(all);
    AtomicLong errors = new AtomicLong();
    double cpuBefore = server.cpuSeconds();
    long start = System.nanoTime();
    List<Future<Long>> reconnecting = new ArrayList<>();
    for (Device device : all) {
      reconnecting.add(device.connect(fleet, new JsonObject()).onFailure(failure -> errors.incrementAndGet()));
    }
    try {
      Future.join(reconnecting).toCompletionStage().toCompletableFuture().get(5, TimeUnit.MINUTES);
    } catch (Exception e) {
      errors.incrementAndGet();
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    double cpu = server.cpuSeconds() - cpuBefore;
    long synced = reconnecting.stream().filter(Future::succeeded).count();
    Fleet.closeAll(all);
    return new JsonObject().put("devices", devices).put("synced", synced).put("errors", errors.get())
        .put("seconds", Latency.round(seconds)).put("reconnects_per_s", Math.round(synced / seconds))
        .put("server_cpu_cores", Latency.round(cpu / seconds));
  }

  /**
   * read propagation: a user with D devices reads on one; latency until every other online device
   * has the read_state event. Closed loop, one read at a time, after as many reads again unrecorded (warm-up).
   */
  public static JsonObject readPropagation(Fleet fleet, int devicesPerUser, int measured, String runId) {
    int warmUp = measured;
    int reads = warmUp + measured;
    String reader = runId + "-r";
    String writer = runId + "-w";
    String conversation = Fleet.await(fleet.conversation("direct", List.of(reader, writer)));
    Device writerDevice = new Device(writer, 0);
    Fleet.await(writerDevice.connect(fleet, new JsonObject()));
    CompletableFuture<Void> written = new CompletableFuture<>();
    AtomicLong sentCount = new AtomicLong();
    writerDevice.listen(frame -> {
      if ("sent".equals(frame.getString("type")) && sentCount.incrementAndGet() == reads) {
        written.complete(null);
      }
    });
    for (int i = 0; i < reads; i++) {
      writerDevice.send(new JsonObject().put("type", "send").put("id", i).put("client_msg_id", "r" + i)
          .put("conversation_id", conversation).put("body", new JsonObject().put("text", "read me")));
    }
    written.join();
    List<Device> devices = new ArrayList<>();
    for (int d = 0; d < devicesPerUser; d++) {
      Device device = new Device(reader, d);
      Fleet.await(device.connect(fleet, new JsonObject()));
      devices.add(device);
    }
    Latency latency = new Latency();
    ConcurrentHashMap<Integer, AtomicLong> arrivals = new ConcurrentHashMap<>();
    CompletableFuture<?>[] done = new CompletableFuture<?>[1];
    for (Device device : devices.subList(1, devices.size())) {
      device.listen(frame -> {
        if ("read_state".equals(frame.getString("kind"))) {
          int upTo = frame.getJsonObject("data").getInteger("read_up_to");
          if (arrivals.computeIfAbsent(upTo, key -> new AtomicLong()).incrementAndGet() == devicesPerUser - 1) {
            done[0].complete(null);
          }
        }
      });
    }
    for (int upTo = 1; upTo <= reads; upTo++) {
      done[0] = new CompletableFuture<>();
      long start = System.nanoTime();
      devices.get(0).send(new JsonObject().put("type", "read").put("conversation_id", conversation).put("up_to", upTo));
      done[0].orTimeout(30, TimeUnit.SECONDS).join();
      if (upTo > warmUp) {
        latency.recordNanos(System.nanoTime() - start);
      }
    }
    devices.forEach(Device::close);
    writerDevice.close();
    return new JsonObject().put("devices_per_user", devicesPerUser).put("reads", measured).put("warm_up_reads", warmUp)
        .put("latency", latency.toJson());
  }

  /**
   * connections: N idle devices connected to one node, each pinging every 15 s (the fleet's
   * heartbeat, half the server's interval), held for a while; the server's heap before and after, and
   * per connection. The devices are spread over child processes of at most HOLDER_CONNECTIONS each,
   * since one process can hold only as many sockets as its open-files limit allows.
   */
  public static JsonObject connections(ServerProcess server, int count, java.time.Duration hold, String runId)
      throws Exception {
    double heapBefore = server.heapMiB();
    List<Process> holders = new ArrayList<>();
    List<BufferedReader> outputs = new ArrayList<>();
    long start = System.nanoTime();
    for (int offset = 0; offset < count; offset += HOLDER_CONNECTIONS) {
      Process holder = new ProcessBuilder(System.getProperty("java.home") + "/bin/java", "-Xmx1g", "-cp",
          System.getProperty("java.class.path"), ConnectionHolder.class.getName(), String.valueOf(server.port()),
          String.valueOf(Math.min(HOLDER_CONNECTIONS, count - offset)), runId, String.valueOf(offset))
          .redirectError(ProcessBuilder.Redirect.DISCARD).start();
      holders.add(holder);
      outputs.add(new BufferedReader(new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8)));
    }
    long failed = 0;
    try {
      for (BufferedReader output : outputs) {
        failed += Long.parseLong(reportOf(output, "connected").split(" ")[2]);
      }
      double connectSeconds = (System.nanoTime() - start) / 1e9;
      ChatScenario.sleepUntil(System.nanoTime() + hold.toNanos());
      long open = 0;
      for (int i = 0; i < holders.size(); i++) {
        holders.get(i).getOutputStream().write("count\n".getBytes(StandardCharsets.UTF_8));
        holders.get(i).getOutputStream().flush();
        open += Long.parseLong(reportOf(outputs.get(i), "held").split(" ")[1]);
      }
      double heapAfter = server.heapMiB();
      return new JsonObject().put("requested", count).put("held", open).put("failed", failed)
          .put("processes", holders.size()).put("connect_seconds", Latency.round(connectSeconds))
          .put("heap_before_mib", Latency.round(heapBefore)).put("heap_after_mib", Latency.round(heapAfter))
          .put("heap_per_connection_kib", Latency.round((heapAfter - heapBefore) * 1024 / Math.max(1, open)));
    } finally {
      for (Process holder : holders) {
        holder.getOutputStream().close();
      }
      for (Process holder : holders) {
        if (!holder.waitFor(60, TimeUnit.SECONDS)) {
          holder.destroyForcibly();
        }
      }
    }
  }

  /** The next line of a holder's output that starts with the word, or a failure if it ended first. */
  private static String reportOf(BufferedReader output, String word) throws java.io.IOException {
    String line;
    while ((line = output.readLine()) != null) {
      if (line.startsWith(word + " ")) {
        return line;
      }
    }
    throw new IllegalStateException("a connection holder process ended before reporting '" + word + "'");
  }

}
