package io.lockstep.perf;

import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * groups: for each conversation size, one conversation of that many members (created through the
 * server API; only a few members have devices online, the rest exist as users), then (a) one sender,
 * one send at a time: send→sent; (b) several senders at once, each keeping a window of sends in
 * flight: sent replies per second and send→delivered to every other online device. Every message is
 * checked to reach every other online device exactly once.
 */
public final class GroupsScenario {

  static final List<Integer> SIZES = List.of(2, 10, 100, 1_000);
  static final List<Integer> LARGE_SIZES = List.of(10_000, 100_000);

  private GroupsScenario() {
  }

  /** What one size's run does: its shape and how many sends each phase makes. */
  record Shape(int size, int onlineMembers, int devicesPerMember, int warmUpSends, int sequentialSends, int senders,
               int perSender, int window, int pacedSends) {
    int messages() {
      return warmUpSends + sequentialSends + senders * perSender + pacedSends;
    }
  }

  public static JsonObject run(Fleet fleet, ServerProcess server, Options options, String runId) {
    JsonObject results = new JsonObject();
    JsonObject throughput = new JsonObject();
    for (int size : sizes(options)) {
      int online = Math.min(size, options.integer("online-members", 4));
      int senders = options.integer("senders", 8);
      Shape shape = new Shape(size, online,
          Math.max(options.integer("group-devices", 2), (senders + online - 1) / online),
          options.integer("warm-up-sends", 50), options.integer("sends", 500), senders,
          options.integer("per-sender", 100), options.integer("window", 100), options.integer("paced-sends", 1000));
      System.out.printf("groups: %,d members (%d online × %d devices)%n", size, shape.onlineMembers(), shape.devicesPerMember());
      JsonObject result = runSize(fleet, server, shape, runId + "-g" + size);
      results.put(String.valueOf(size), result);
      if (result.containsKey("concurrent")) {
        throughput.put(String.valueOf(size), result.getJsonObject("concurrent").getLong("messages_per_s"));
        System.out.printf("  sequential send→sent %s%n  concurrent %d msg/s, delivered p50 %.2f ms p99 %.2f ms%n"
                + "  paced at %d msg/s: delivered p50 %.2f ms p99 %.2f ms%n",
            result.getJsonObject("sequential").getJsonObject("sent").encode(),
            result.getJsonObject("concurrent").getLong("messages_per_s"),
            result.getJsonObject("concurrent").getJsonObject("delivered_to_all").getDouble("p50_ms"),
            result.getJsonObject("concurrent").getJsonObject("delivered_to_all").getDouble("p99_ms"),
            result.getJsonObject("paced").getLong("messages_per_s"),
            result.getJsonObject("paced").getJsonObject("delivered_to_all").getDouble("p50_ms"),
            result.getJsonObject("paced").getJsonObject("delivered_to_all").getDouble("p99_ms"));
      }
    }
    return new JsonObject().put("sizes", results).put("messages_per_s_by_size", throughput);
  }

  /** --sizes 2,10 if given; otherwise 2, 10, 100 and 1,000, and with --large also 10,000 and 100,000. */
  static List<Integer> sizes(Options options) {
    String listed = options.string("sizes", "");
    if (!listed.isBlank()) {
      return Arrays.stream(listed.split(",")).map(String::trim).map(Integer::parseInt).toList();
    }
    List<Integer> sizes = new ArrayList<>(SIZES);
    if (options.flag("large")) {
      sizes.addAll(LARGE_SIZES);
    }
    return sizes;
  }

  /** One size: creates the conversation (or reports why the server refused it), runs both phases, closes the devices. */
  static JsonObject runSize(Fleet fleet, ServerProcess server, Shape shape, String tag) {
    List<String> members = new ArrayList<>();
    for (int i = 0; i < shape.size(); i++) {
      members.add(tag + "-u" + i);
    }
    String conversation;
    long createStart = System.nanoTime();
    try {
      conversation = Fleet.await(fleet.conversation(shape.size() == 2 ? "direct" : "group", members));
    } catch (IllegalStateException e) {
      String reason = "the server refused the conversation: " + e.getMessage().replaceFirst("^([\\w.]+Exception: )+", "");
      System.out.printf("  size %,d skipped: %s%n", shape.size(), reason);
      return new JsonObject().put("members", shape.size()).put("skipped", reason);
    }
    double createSeconds = (System.nanoTime() - createStart) / 1e9;
    List<Device> devices = new ArrayList<>();
    for (int m = 0; m < shape.onlineMembers(); m++) {
      for (int d = 0; d < shape.devicesPerMember(); d++) {
        devices.add(new Device(members.get(m), devices.size()));
      }
    }
    Fleet.inBatches(devices, 50, device -> device.connect(fleet, new JsonObject().put("device_name", "perf " + device.index)));
    Traffic traffic = new Traffic(shape, tag, conversation, devices);
    try {
      JsonObject sequential = traffic.sequential();
      JsonObject concurrent = traffic.concurrent(server);
      JsonObject paced = traffic.paced(concurrent.getLong("messages_per_s") / 2.0);
      return new JsonObject().put("members", shape.size()).put("online_members", shape.onlineMembers())
          .put("devices_per_online_member", shape.devicesPerMember()).put("create_conversation_s", Latency.round(createSeconds))
          .put("sequential", sequential).put("concurrent", concurrent).put("paced", paced).put("counts", traffic.counts());
    } finally {
      devices.forEach(device -> device.listen(frame -> { }));
      Fleet.closeAll(devices);
    }
  }

  /** The sends of one size and what arrived: every message n is owed to every online device but its sender's. */
  private static final class Traffic {
    private final Shape shape;
    private final String tag;
    private final String conversation;
    private final List<Device> devices;
    private final AtomicLongArray sentAt;
    private final AtomicIntegerArray remaining;
    private final AtomicReferenceArray<CompletableFuture<JsonObject>> replies;
    private final AtomicLong deliveries = new AtomicLong();
    private final AtomicLong duplicates = new AtomicLong();
    private final AtomicLong errors = new AtomicLong();
    private final AtomicLong answered = new AtomicLong();
    private final Latency sent = new Latency();
    private final Latency concurrentSent = new Latency();
    private final Latency delivered = new Latency();
    private final Latency pacedDelivered = new Latency();
    private volatile int firstConcurrent = Integer.MAX_VALUE;
    private volatile int firstPaced = Integer.MAX_VALUE;
    private volatile Runnable onAnswer = () -> { };

    Traffic(Shape shape, String tag, String conversation, List<Device> devices) {
      this.shape = shape;
      this.tag = tag;
      this.conversation = conversation;
      this.devices = devices;
      int messages = shape.messages();
      this.sentAt = new AtomicLongArray(messages);
      this.remaining = new AtomicIntegerArray(messages);
      this.replies = new AtomicReferenceArray<>(messages);
      for (int n = 0; n < messages; n++) {
        remaining.set(n, devices.size() - 1);
      }
      devices.forEach(device -> device.listen(frame -> onFrame(device, frame)));
    }

    private void onFrame(Device device, JsonObject frame) {
      long now = System.nanoTime();
      String type = frame.getString("type");
      if (("sent".equals(type) || "error".equals(type)) && frame.getValue("id") instanceof Number id) {
        int n = id.intValue();
        if (n < 0 || n >= sentAt.length()) {
          return;
        }
        if ("sent".equals(type) && n >= firstPaced) {
          answered.incrementAndGet();
          return;
        }
        if ("sent".equals(type) && n >= firstConcurrent) {
          concurrentSent.recordNanos(now - sentAt.get(n));
        } else if ("sent".equals(type) && n >= shape.warmUpSends()) {
          sent.recordNanos(now - sentAt.get(n));
        } else if ("error".equals(type)) {
          errors.incrementAndGet();
        }
        answered.incrementAndGet();
        CompletableFuture<JsonObject> reply = replies.get(n);
        if (reply != null) {
          reply.complete(frame);
        }
        onAnswer.run();
      } else if ("event".equals(type) && "message".equals(frame.getString("kind"))) {
        JsonObject data = frame.getJsonObject("data");
        JsonObject body = data.getJsonObject("body");
        if (!tag.equals(body.getString("run")) || device.deviceId.equals(data.getJsonObject("sender").getString("device_id"))) {
          return;
        }
        int n = body.getInteger("n");
        deliveries.incrementAndGet();
        int left = remaining.decrementAndGet(n);
        if (left == 0 && n >= firstPaced) {
          pacedDelivered.recordNanos(now - sentAt.get(n));
        } else if (left == 0 && n >= firstConcurrent) {
          delivered.recordNanos(now - sentAt.get(n));
        } else if (left < 0) {
          duplicates.incrementAndGet();
        }
      }
    }

    private void send(int n, int senderDevice) {
      send(n, senderDevice, System.nanoTime());
    }

    /** Sends message n, its latencies counted from the given time (its intended send time when paced). */
    private void send(int n, int senderDevice, long from) {
      sentAt.set(n, from);
      devices.get(senderDevice).send(new JsonObject().put("type", "send").put("id", n).put("client_msg_id", tag + "-" + n)
          .put("conversation_id", conversation).put("body", new JsonObject().put("run", tag).put("n", n).put("text", "hello, group")));
    }

    /** One sender (the first device), one send at a time: warm-up sends unrecorded, then the measured ones. */
    JsonObject sequential() {
      int warmUp = shape.warmUpSends();
      for (int n = 0; n < warmUp + shape.sequentialSends(); n++) {
        CompletableFuture<JsonObject> reply = new CompletableFuture<>();
        replies.set(n, reply);
        send(n, 0);
        try {
          reply.get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
          throw new IllegalStateException("send " + n + " got no reply within 60 s", e);
        }
      }
      return new JsonObject().put("warm_up_sends", warmUp).put("sends", shape.sequentialSends()).put("sent", sent.toJson());
    }

    /**
     * Every sender device at once, each keeping up to window sends unanswered until it has made
     * perSender: sent replies per second from the first send to the last reply, send→delivered to
     * every other online device, and the CPU the server and PostgreSQL spent per message meanwhile.
     */
    JsonObject concurrent(ServerProcess server) {
      int first = shape.warmUpSends() + shape.sequentialSends();
      int senders = Math.min(shape.senders(), devices.size());
      int total = senders * shape.perSender();
      AtomicInteger[] made = new AtomicInteger[senders];
      for (int s = 0; s < senders; s++) {
        made[s] = new AtomicInteger();
      }
      CompletableFuture<Void> allAnswered = new CompletableFuture<>();
      long answeredBefore = answered.get();
      firstConcurrent = first;
      double serverCpu = server.cpuSeconds();
      PostgresCpu postgres = PostgresCpu.start(server);
      long start = System.nanoTime();
      long[] lastAnswer = {start};
      onAnswer = () -> {
        if (answered.get() - answeredBefore >= total) {
          lastAnswer[0] = System.nanoTime();
          allAnswered.complete(null);
        }
      };
      for (int s = 0; s < senders; s++) {
        int sender = s;
        for (int w = 0; w < Math.min(shape.window(), shape.perSender()); w++) {
          sendNext(sender, made, first);
        }
      }
      try {
        allAnswered.get(10, TimeUnit.MINUTES);
      } catch (Exception e) {
        throw new IllegalStateException("the concurrent sends were not all answered within 10 minutes", e);
      }
      double seconds = (lastAnswer[0] - start) / 1e9;
      double serverCpuUsed = server.cpuSeconds() - serverCpu;
      double postgresCpuUsed = postgres.stop();
      awaitDeliveries(first + total);
      return new JsonObject().put("senders", senders).put("sends_per_sender", shape.perSender())
          .put("window_per_sender", shape.window()).put("messages", total).put("seconds", Latency.round(seconds))
          .put("messages_per_s", Math.round(total / seconds)).put("sent", concurrentSent.toJson())
          .put("delivered_to_all", delivered.toJson())
          .put("server_cpu_ms_per_message", Latency.round(serverCpuUsed * 1000 / total))
          .put("postgres_cpu_ms_per_message", Latency.round(postgresCpuUsed * 1000 / total));
    }

    /**
     * Open loop at a fixed rate (half of what the concurrent phase reached), the senders taking turns:
     * message k is due at start + k / rate and its send→delivered to every other online device is
     * counted from then, so a stall is charged to every message it delays. The latency a member sees
     * when the conversation is busy but not saturated.
     */
    JsonObject paced(double rate) {
      int first = shape.warmUpSends() + shape.sequentialSends() + Math.min(shape.senders(), devices.size()) * shape.perSender();
      int senders = Math.min(shape.senders(), devices.size());
      firstPaced = first;
      long start = System.nanoTime() + 50_000_000L;
      for (int k = 0; k < shape.pacedSends(); k++) {
        long due = start + (long) (k * 1e9 / rate);
        ChatScenario.sleepUntil(due);
        send(first + k, k % senders, due);
      }
      awaitDeliveries(first + shape.pacedSends());
      return new JsonObject().put("messages_per_s", Math.round(rate)).put("messages", shape.pacedSends())
          .put("delivered_to_all", pacedDelivered.toJson());
    }

    /** Sender s's next message, if it has any left; its replies call this again (through the window). */
    private void sendNext(int sender, AtomicInteger[] made, int first) {
      int k = made[sender].getAndIncrement();
      if (k >= shape.perSender()) {
        return;
      }
      int n = first + sender * shape.perSender() + k;
      CompletableFuture<JsonObject> reply = new CompletableFuture<>();
      replies.set(n, reply);
      reply.thenRun(() -> sendNext(sender, made, first));
      send(n, sender);
    }

    /** Waits up to 30 s for every message so far to reach every other online device. */
    private void awaitDeliveries(int messages) {
      long expected = (long) messages * (devices.size() - 1);
      long deadline = System.nanoTime() + 30_000_000_000L;
      while (deliveries.get() < expected && System.nanoTime() < deadline) {
        ChatScenario.sleepUntil(System.nanoTime() + 20_000_000L);
      }
    }

    /** Whether everything added up: every send answered, every message at every other online device once. */
    JsonObject counts() {
      int messages = shape.messages();
      long undelivered = 0;
      for (int n = 0; n < messages; n++) {
        undelivered += Math.max(0, remaining.get(n));
      }
      return new JsonObject().put("messages", messages).put("answered", answered.get()).put("errors", errors.get())
          .put("online_devices", devices.size()).put("deliveries", deliveries.get())
          .put("deliveries_expected", (long) messages * (devices.size() - 1)).put("undelivered", undelivered)
          .put("duplicates", duplicates.get());
    }
  }
}
