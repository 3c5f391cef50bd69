package io.lockstep.perf;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.IntFunction;

/**
 * chat: U users with D devices each, half in 1:1 conversations and half in groups of four. Messages
 * are sent at a constant arrival rate (open loop): each has an intended send time, and latencies are
 * measured from it, so a stalled server is charged for the messages it delayed (no coordinated
 * omission). Measures send→sent and send→delivered-to-every-other-device, deliveries per second and
 * whether every message reached every other device exactly once.
 */
public final class ChatScenario {

  private ChatScenario() {
  }

  /** The provisioned users, devices and conversations, reused across rate steps. */
  public static final class Population {
    final List<List<Device>> devices = new ArrayList<>();
    final List<String> conversationOf = new ArrayList<>();
    final List<Integer> membersOf = new ArrayList<>();
    int devicesPerUser;

    int users() {
      return devices.size();
    }
  }

  /** The conversations of U users: the first half in pairs, the rest in groups of (up to) four. */
  public static List<List<Integer>> groups(int users) {
    List<List<Integer>> groups = new ArrayList<>();
    int pairsEnd = (users / 2) & ~1;
    for (int i = 0; i < pairsEnd; i += 2) {
      groups.add(List.of(i, i + 1));
    }
    for (int i = pairsEnd; i < users; i += 4) {
      List<Integer> group = new ArrayList<>();
      for (int j = i; j < Math.min(users, i + 4); j++) {
        group.add(j);
      }
      groups.add(group);
    }
    return groups;
  }

  public static Population provision(Fleet fleet, int users, int devicesPerUser, String runId) {
    return provision(fleet, users, devicesPerUser, runId, index -> null);
  }

  /** Provisions the population; device number i connects from the local address sourceOf(i) (null: the default). */
  public static Population provision(Fleet fleet, int users, int devicesPerUser, String runId,
                                     IntFunction<String> sourceOf) {
    Population population = new Population();
    population.devicesPerUser = devicesPerUser;
    List<List<Integer>> groups = groups(users);
    String[] conversations = new String[users];
    int[] sizes = new int[users];
    Fleet.inBatches(groups, 50, group -> {
      List<String> members = group.stream().map(i -> runId + "-u" + i).toList();
      return fleet.conversation(members.size() == 2 ? "direct" : "group", members).map(id -> {
        group.forEach(i -> {
          conversations[i] = id;
          sizes[i] = group.size();
        });
        return id;
      });
    });
    List<Device> all = new ArrayList<>();
    for (int u = 0; u < users; u++) {
      List<Device> mine = new ArrayList<>();
      for (int d = 0; d < devicesPerUser; d++) {
        int index = u * devicesPerUser + d;
        Device device = new Device(runId + "-u" + u, index, sourceOf.apply(index));
        mine.add(device);
        all.add(device);
      }
      population.devices.add(mine);
      population.conversationOf.add(conversations[u]);
      population.membersOf.add(sizes[u]);
    }
    Fleet.inBatches(all, 200, device -> device.connect(fleet, new JsonObject().put("device_name", "perf " + device.index)));
    return population;
  }

  /** One run at a constant rate for a duration; answers the figures as JSON. */
  public static JsonObject run(Fleet fleet, Population population, int rate, Duration duration, ServerProcess server) {
    return run(fleet, population, rate, duration, server, Duration.ofSeconds(20));
  }

  /**
   * One run at a constant rate for a duration, then at most drainLimit for the last deliveries (what
   * has not arrived by then is undelivered); answers the figures as JSON, with the devices the server
   * closed meanwhile.
   */
  public static JsonObject run(Fleet fleet, Population population, int rate, Duration duration, ServerProcess server,
                               Duration drainLimit) {
    int total = (int) (rate * duration.toSeconds());
    long[] intended = new long[total];
    AtomicIntegerArray remaining = new AtomicIntegerArray(total);
    AtomicLongArray perSecondDeliveries = new AtomicLongArray((int) duration.toSeconds() + 30);
    AtomicLongArray perSecondSent = new AtomicLongArray((int) duration.toSeconds() + 30);
    AtomicLongArray slowestPerSecond = new AtomicLongArray((int) duration.toSeconds() + 1);
    Latency sent = new Latency();
    Latency delivered = new Latency();
    AtomicLong deliveries = new AtomicLong();
    AtomicLong duplicates = new AtomicLong();
    AtomicLong errors = new AtomicLong();
    long start = System.nanoTime() + 200_000_000L;
    for (List<Device> devices : population.devices) {
      for (Device device : devices) {
        device.listen(frame -> {
          long now = System.nanoTime();
          String type = frame.getString("type");
          if ("sent".equals(type)) {
            int n = ((Number) frame.getValue("id")).intValue();
            sent.recordNanos(now - intended[n]);
            second(perSecondSent, now, start);
          } else if ("event".equals(type) && "message".equals(frame.getString("kind"))) {
            JsonObject data = frame.getJsonObject("data");
            JsonObject body = data.getJsonObject("body");
            Integer n = body.getInteger("n");
            if (n == null || n >= total || device.deviceId.equals(data.getJsonObject("sender").getString("device_id"))) {
              return;
            }
            deliveries.incrementAndGet();
            second(perSecondDeliveries, now, start);
            int left = remaining.decrementAndGet(n);
            if (left == 0) {
              delivered.recordNanos(now - intended[n]);
              slowestPerSecond.accumulateAndGet((int) ((intended[n] - start) / 1_000_000_000L),
                  (now - intended[n]) / 1000, Math::max);
            } else if (left < 0) {
              duplicates.incrementAndGet();
            }
          } else if ("error".equals(type)) {
            errors.incrementAndGet();
          }
        });
      }
    }
    Random random = new Random(42);
    int[] users = new int[total];
    for (int n = 0; n < total; n++) {
      users[n] = random.nextInt(population.users());
      intended[n] = start + (long) (n * 1e9 / rate);
      int members = population.membersOf.get(users[n]);
      remaining.set(n, members * population.devicesPerUser - 1);
    }
    double cpuBefore = server == null ? Double.NaN : server.cpuSeconds();
    PostgresCpu postgres = server == null ? null : PostgresCpu.start(server);
    AtomicLong issued = new AtomicLong();
    long timer = fleet.vertx().setPeriodic(1, id -> {
      long now = System.nanoTime();
      while (issued.get() < total && intended[(int) issued.get()] <= now) {
        int n = (int) issued.getAndIncrement();
        Device sender = population.devices.get(users[n]).get(0);
        sender.send(new JsonObject().put("type", "send").put("id", n).put("client_msg_id", "m" + start + "-" + n)
            .put("conversation_id", population.conversationOf.get(users[n]))
            .put("body", new JsonObject().put("n", n).put("text", "hello from the load generator")));
      }
    });
    sleepUntil(start + duration.toNanos());
    long issueDeadline = System.nanoTime() + drainLimit.toNanos();
    while (issued.get() < total && System.nanoTime() < issueDeadline) {
      sleepUntil(System.nanoTime() + 10_000_000L);
    }
    fleet.vertx().cancelTimer(timer);
    double cpuWindow = server == null ? Double.NaN : server.cpuSeconds() - cpuBefore;
    double postgresWindow = postgres == null ? Double.NaN : postgres.stop();
    long expected = 0;
    for (int n = 0; n < total; n++) {
      expected += population.membersOf.get(users[n]) * population.devicesPerUser - 1;
    }
    long deadline = System.nanoTime() + drainLimit.toNanos();
    while (deliveries.get() < expected && System.nanoTime() < deadline) {
      sleepUntil(System.nanoTime() + 50_000_000L);
    }
    for (List<Device> devices : population.devices) {
      devices.forEach(device -> device.listen(frame -> { }));
    }
    long undelivered = 0;
    for (int n = 0; n < total; n++) {
      undelivered += Math.max(0, remaining.get(n));
    }
    double seconds = duration.toNanos() / 1e9;
    return new JsonObject()
        .put("rate", rate)
        .put("duration_s", seconds)
        .put("users", population.users())
        .put("devices_per_user", population.devicesPerUser)
        .put("messages", total)
        .put("sent", sent.toJson())
        .put("delivered_to_all", delivered.toJson())
        .put("deliveries", deliveries.get())
        .put("deliveries_expected", expected)
        .put("deliveries_per_s", Math.round(deliveries.get() / seconds))
        .put("undelivered", undelivered)
        .put("duplicates", duplicates.get())
        .put("errors", errors.get())
        .put("devices_closed_by_server", closedDevices(population))
        .put("server_cpu_cores", server == null ? null : Latency.round(cpuWindow / seconds))
        .put("server_cpu_ms_per_message", server == null ? null : Latency.round(cpuWindow * 1000 / total))
        .put("postgres_cpu_ms_per_message", server == null ? null : Latency.round(postgresWindow * 1000 / total))
        .put("server_heap_mib", server == null ? null : Latency.round(server.heapMiB()))
        .put("series", new JsonObject().put("sent_per_s", toArray(perSecondSent, (int) seconds + 5))
            .put("deliveries_per_s", toArray(perSecondDeliveries, (int) seconds + 5))
            .put("slowest_delivery_ms_by_second_sent", slowestMillis(slowestPerSecond)));
  }

  /** How many devices the server has closed, by close code and reason. */
  private static JsonObject closedDevices(Population population) {
    java.util.Map<String, Integer> closed = new java.util.TreeMap<>();
    for (List<Device> devices : population.devices) {
      for (Device device : devices) {
        if (device.closedBy != null) {
          closed.merge(device.closedBy, 1, Integer::sum);
        }
      }
    }
    return new JsonObject(new java.util.LinkedHashMap<>(closed));
  }

  private static void second(AtomicLongArray buckets, long now, long start) {
    int second = (int) ((now - start) / 1_000_000_000L);
    if (second >= 0 && second < buckets.length()) {
      buckets.incrementAndGet(second);
    }
  }

  /** The slowest send→delivered of the messages due in each second, in ms (microseconds recorded). */
  private static JsonArray slowestMillis(AtomicLongArray micros) {
    JsonArray array = new JsonArray();
    for (int i = 0; i < micros.length(); i++) {
      array.add(Latency.round(micros.get(i) / 1000.0));
    }
    return array;
  }

  private static JsonArray toArray(AtomicLongArray values, int length) {
    JsonArray array = new JsonArray();
    for (int i = 0; i < Math.min(length, values.length()); i++) {
      array.add(values.get(i));
    }
    return array;
  }

  static void sleepUntil(long nanoTime) {
    long left;
    while ((left = nanoTime - System.nanoTime()) > 0) {
      try {
        Thread.sleep(Math.max(1, left / 1_000_000));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  /** Raises the rate by half each step until p99 send→delivered exceeds the limit; answers every step and the best rate that held. */
  public static JsonObject findMax(Fleet fleet, Population population, int startRate, Duration step, ServerProcess server,
                                   double limitMs) {
    JsonArray steps = new JsonArray();
    int rate = startRate;
    int held = 0;
    while (rate < 1_000_000) {
      JsonObject result = run(fleet, population, rate, step, server);
      steps.add(result);
      double p99 = result.getJsonObject("delivered_to_all").getDouble("p99_ms");
      boolean ok = p99 <= limitMs && result.getLong("undelivered") == 0 && result.getLong("errors") == 0;
      System.out.printf("  rate %6d/s  p99 delivered %8.2f ms  %s%n", rate, p99, ok ? "held" : "did not hold");
      if (!ok) {
        break;
      }
      held = rate;
      rate = (int) (rate * 1.5);
    }
    return new JsonObject().put("max_rate", held).put("limit_p99_ms", limitMs).put("steps", steps);
  }

  static void closeAll(Population population) {
    List<Device> all = new ArrayList<>();
    population.devices.forEach(all::addAll);
    Fleet.closeAll(all);
  }
}
