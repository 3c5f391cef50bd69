package io.lockstep.perf;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * attention: what the push ladder saves. Each simulated user has a laptop, a phone and a tablet, all
 * with push tokens, and moves between them: a while at one device (connected and focused, reading what
 * arrives), a while away (every device closed), back at the device that buzzed (or another if none
 * did). A friend writes to each user all along. A webhook receiver in the load generator records every
 * push. Half the users keep the default routing (the ladder), half set {@code notifications.routing} to
 * {@code all} (push every device that is not connected, the rule before the ladder): one run, one
 * server, the same behaviour, so the two halves compare directly. Reported per half: pushes (visible
 * and silent) per message read, and the time from a message's send to the read that covers it.
 */
final class AttentionScenario {

  private static final String WEBHOOK_SECRET = "perf-attention-webhook-secret";

  private AttentionScenario() {
  }

  /** The server's extra configuration: the webhook to the receiver on port, a short ladder step. */
  static Map<String, String> serverEnv(int receiverPort, String escalateAfter) throws IOException {
    Path config = Files.createTempFile("lockstep-perf-attention", ".yaml");
    Files.writeString(config, """
        plugins:
          config:
            push-webhook:
              url: http://127.0.0.1:%d/push
              secret: %s
        """.formatted(receiverPort, WEBHOOK_SECRET));
    return Map.of("LOCKSTEP_CONFIG", config.toString(), "LOCKSTEP_PUSH_ESCALATE_AFTER", escalateAfter,
        "LOCKSTEP_PUSH_COALESCE_WINDOW", "200ms", "LOCKSTEP_PUSH_POLL_INTERVAL", "50ms");
  }

  /** Records every push the server makes, by device id: visible (message) or silent (badge). */
  static final class Receiver implements AutoCloseable {
    final Map<String, List<JsonObject>> byDevice = new ConcurrentHashMap<>();
    final Map<String, Consumer<JsonObject>> onPush = new ConcurrentHashMap<>();
    private final HttpServer server;

    Receiver(Vertx vertx, int port) {
      server = Fleet.await(vertx.createHttpServer().requestHandler(request -> request.body().onSuccess(body -> {
        JsonObject push = body.toJsonObject();
        String device = push.getString("device_id");
        byDevice.computeIfAbsent(device, id -> Collections.synchronizedList(new ArrayList<>())).add(push);
        Consumer<JsonObject> listener = onPush.get(device);
        if (listener != null) {
          listener.accept(push);
        }
        request.response().setStatusCode(200).end();
      })).listen(port, "127.0.0.1"));
    }

    @Override
    public void close() {
      Fleet.await(server.close());
    }
  }

  /** One simulated person and what happened to their messages. */
  private static final class Person {
    final String userId;
    final boolean ladder;
    final List<Device> devices = new ArrayList<>();
    Device friend;
    String conversation;
    int at = -1;
    long segmentEnds;
    long pickUpAt = Long.MAX_VALUE;
    int pickUp = -1;
    boolean moving;
    final Map<Long, Long> sentAt = new ConcurrentHashMap<>();
    long readUpTo;
    final List<Long> readDelaysMs = Collections.synchronizedList(new ArrayList<>());

    Person(String userId, boolean ladder) {
      this.userId = userId;
      this.ladder = ladder;
    }
  }

  static JsonObject run(Fleet fleet, Receiver receiver, int users, java.time.Duration duration, long seed, String runId) {
    Random random = new Random(seed);
    List<Person> people = new ArrayList<>();
    for (int u = 0; u < users; u++) {
      people.add(new Person(runId + "-p" + u, u % 2 == 0));
    }
    for (Person person : people) {
      provision(fleet, person);
    }
    Vertx vertx = fleet.vertx();
    AtomicLong sends = new AtomicLong();
    long end = System.currentTimeMillis() + duration.toMillis();
    for (Person person : people) {
      for (Device device : person.devices) {
        receiver.onPush.put(device.deviceId, push -> vertx.runOnContext(v -> buzzed(person, device, push, random)));
      }
      person.segmentEnds = System.currentTimeMillis() + 1000 + random.nextInt(4000);
      scheduleMessage(vertx, person, random, end, sends);
    }
    long tick = vertx.setPeriodic(100, id -> people.forEach(person -> step(fleet, person, random)));
    ChatScenario.sleepUntil(System.nanoTime() + (end + 3000 - System.currentTimeMillis()) * 1_000_000L);
    vertx.cancelTimer(tick);
    people.forEach(person -> person.devices.forEach(device -> Fleet.await(device.close())));
    ChatScenario.sleepUntil(System.nanoTime() + 3_000_000_000L);

    JsonObject results = new JsonObject().put("users", users).put("duration_s", duration.toSeconds())
        .put("messages", sends.get());
    results.put("ladder", half(people, receiver, true)).put("all", half(people, receiver, false));
    JsonObject ladder = results.getJsonObject("ladder");
    JsonObject all = results.getJsonObject("all");
    results.put("visible_pushes_per_read_ratio", ratio(ladder.getDouble("visible_pushes_per_message_read"),
        all.getDouble("visible_pushes_per_message_read")));
    return results;
  }

  private static void provision(Fleet fleet, Person person) {
    person.friend = new Device(person.userId + "-friend", 9);
    Fleet.await(person.friend.connect(fleet, new JsonObject()));
    person.conversation = Fleet.await(fleet.conversation("direct", List.of(person.userId, person.friend.userId)));
    for (int d = 0; d < 3; d++) {
      Device device = new Device(person.userId, d);
      Fleet.await(device.connect(fleet, new JsonObject()));
      Fleet.await(device.request(new JsonObject().put("type", "push.register").put("provider", "webhook")
          .put("token", person.userId + "-d" + d)));
      if (!person.ladder && d == 0) {
        Fleet.await(device.request(new JsonObject().put("type", "settings.set").put("scope", "account")
            .put("key", "notifications.routing").put("value", "all")));
      }
      Fleet.await(device.close());
      person.devices.add(device);
    }
  }

  /** The friend writes every 1–5 s (uniform), until the end. */
  private static void scheduleMessage(Vertx vertx, Person person, Random random, long end, AtomicLong sends) {
    long delay = 1000 + random.nextInt(4000);
    vertx.setTimer(delay, id -> {
      if (System.currentTimeMillis() > end) {
        return;
      }
      long n = sends.incrementAndGet();
      person.friend.request(new JsonObject().put("type", "send").put("conversation_id", person.conversation)
          .put("client_msg_id", "m" + n).put("body", new JsonObject().put("text", "message " + n)))
          .onSuccess(sent -> person.sentAt.put(sent.getLong("conv_seq"), System.currentTimeMillis()));
      scheduleMessage(vertx, person, random, end, sends);
    });
  }

  /** A visible push while away makes the person pick that device up after a reaction time. */
  private static synchronized void buzzed(Person person, Device device, JsonObject push, Random random) {
    if ("message".equals(push.getString("kind")) && person.at < 0 && person.pickUp < 0) {
      person.pickUp = person.devices.indexOf(device);
      person.pickUpAt = System.currentTimeMillis() + 500 + random.nextInt(1500);
    }
  }

  /** Moves the person when their segment is over (or they pick up a buzzing device). */
  private static synchronized void step(Fleet fleet, Person person, Random random) {
    long now = System.currentTimeMillis();
    if (person.moving || (now < person.segmentEnds && now < person.pickUpAt)) {
      return;
    }
    person.moving = true;
    int next = person.pickUp >= 0 && now >= person.pickUpAt ? person.pickUp
        : person.at < 0 ? random.nextInt(3) : random.nextInt(2) == 0 ? -1 : (person.at + 1 + random.nextInt(2)) % 3;
    person.pickUp = -1;
    person.pickUpAt = Long.MAX_VALUE;
    Future<Void> left = person.at < 0 ? Future.succeededFuture() : person.devices.get(person.at).close();
    left.compose(v -> next < 0 ? Future.succeededFuture() : arrive(fleet, person, person.devices.get(next)))
        .onComplete(done -> moved(person, next, random));
  }

  private static synchronized void moved(Person person, int next, Random random) {
    person.at = next;
    person.segmentEnds = System.currentTimeMillis() + 3000 + random.nextInt(7000);
    person.moving = false;
  }

  /** At a device: connect, focus, read what is there, and read what arrives while there. */
  private static Future<Void> arrive(Fleet fleet, Person person, Device device) {
    device.listen(frame -> {
      if ("message".equals(frame.getString("kind"))) {
        JsonObject data = frame.getJsonObject("data");
        if (!person.userId.equals(data.getJsonObject("sender").getString("user_id"))) {
          fleet.vertx().setTimer(300, id -> read(person, device, data.getLong("conv_seq")));
        }
      }
    });
    return device.connect(fleet, new JsonObject()).compose(head -> {
      device.send(new JsonObject().put("type", "attention").put("state", "focused"));
      return device.request(new JsonObject().put("type", "sync").put("conversation_id", person.conversation)
          .put("since", 0).put("limit", 1));
    }).map(page -> {
      read(person, device, page.getLong("head"));
      return null;
    });
  }

  private static synchronized void read(Person person, Device device, long upTo) {
    if (upTo <= person.readUpTo || !device.isOpen()) {
      return;
    }
    long now = System.currentTimeMillis();
    for (long seq = person.readUpTo + 1; seq <= upTo; seq++) {
      Long sent = person.sentAt.get(seq);
      if (sent != null) {
        person.readDelaysMs.add(now - sent);
      }
    }
    person.readUpTo = upTo;
    device.send(new JsonObject().put("type", "read").put("conversation_id", person.conversation).put("up_to", upTo));
  }

  private static JsonObject half(List<Person> people, Receiver receiver, boolean ladder) {
    long visible = 0;
    long silent = 0;
    long messages = 0;
    Latency readDelay = new Latency();
    for (Person person : people) {
      if (person.ladder != ladder) {
        continue;
      }
      messages += person.sentAt.size();
      person.readDelaysMs.forEach(ms -> readDelay.recordNanos(ms * 1_000_000));
      for (Device device : person.devices) {
        for (JsonObject push : receiver.byDevice.getOrDefault(device.deviceId, List.of())) {
          if ("message".equals(push.getString("kind"))) {
            visible++;
          } else {
            silent++;
          }
        }
      }
    }
    long read = readDelay.count();
    return new JsonObject().put("routing", ladder ? "ladder" : "all").put("messages", messages)
        .put("messages_read", read).put("visible_pushes", visible).put("silent_pushes", silent)
        .put("visible_pushes_per_message_read", read == 0 ? 0.0 : (double) visible / read)
        .put("pushes_per_message_read", read == 0 ? 0.0 : (double) (visible + silent) / read)
        .put("send_to_read", readDelay.toJson());
  }

  private static double ratio(double part, double whole) {
    return whole == 0 ? 0 : part / whole;
  }
}
