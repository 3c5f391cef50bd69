package io.lockstep.sync;

import io.lockstep.client.raw.Frame;
import io.lockstep.client.raw.RawOptions;
import io.lockstep.client.raw.RawWebSocket;
import io.lockstep.test.LockstepNode;
import io.lockstep.test.TestDevice;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An event frame has one definition: the frame a device receives live is, byte for byte, the frame it
 * receives when it fetches the same event later, for every kind of event.
 */
class EventFrameTest {

  @RegisterExtension
  static final LockstepNode NODE = new LockstepNode();

  @Test
  void aLiveFrameIsTheFetchedFrameByteForByte() {
    TestDevice phone = NODE.device("ada");
    phone.connectAndSync();
    RawClient laptop = RawClient.open(NODE.token("ada"), null, null);
    RawClient bea = RawClient.open(NODE.token("bea"), null, null);

    String group = NODE.group("ada", "bea");
    phone.sendMessage(group, "m1", "caf\u00e9 \"quoted\" \u2603 \ud83d\ude00");
    bea.send(new JsonObject().put("type", "read").put("conversation_id", group).put("up_to", 1).put("id", "r1"));
    bea.awaitReply("r1");
    bea.send(new JsonObject().put("type", "ack").put("id", "a1").put("up_to", bea.lastSeq()));
    bea.awaitReply("a1");
    phone.request(new JsonObject().put("type", "settings.set").put("scope", "account").put("key", "privacy.read_receipts")
        .put("value", true));
    HttpResponse<Buffer> renamed = NODE.request(HttpMethod.PATCH, "/v1/devices/" + phone.deviceId(), NODE.token("ada"),
        new JsonObject().put("name", "Ada's \u00fcber phone"));
    assertEquals(200, renamed.statusCode(), renamed.bodyAsString());
    phone.request(new JsonObject().put("type", "conversation.remove_member").put("conversation_id", group)
        .put("user_id", "bea"));

    Map<Long, String> adaLive = laptop.awaitEventsUpTo(headOf("ada"));
    Map<Long, String> beaLive = bea.awaitEventsUpTo(headOf("bea"));
    RawClient adaAgain = RawClient.open(NODE.token("ada"), laptop.deviceId, 0L);
    RawClient beaAgain = RawClient.open(NODE.token("bea"), bea.deviceId, 0L);
    Map<Long, String> adaFetched = adaAgain.awaitEventsUpTo(headOf("ada"));
    Map<Long, String> beaFetched = beaAgain.awaitEventsUpTo(headOf("bea"));
    List.of(laptop, bea, adaAgain, beaAgain).forEach(RawClient::close);

    assertSameFrames(adaLive, adaFetched);
    assertSameFrames(beaLive, beaFetched);
    Set<String> kinds = new TreeSet<>();
    adaLive.values().forEach(frame -> kinds.add(new JsonObject(frame).getString("kind")));
    beaLive.values().forEach(frame -> kinds.add(new JsonObject(frame).getString("kind")));
    assertEquals(new TreeSet<>(List.of("conversation", "device", "message", "read_state", "receipt", "settings")), kinds);
    assertTrue(adaLive.values().stream().anyMatch(frame -> frame.contains("\"client_msg_id\":\"m1\"")),
        "the sender's user sees its client_msg_id");
    assertTrue(beaLive.values().stream().noneMatch(frame -> frame.contains("client_msg_id")), "other users do not");
  }

  @Test
  void thePageQueryInlinesTheFrameFunctions() {
    StringBuilder plan = new StringBuilder();
    NODE.sql("EXPLAIN (VERBOSE) SELECT lockstep_event_frame(g, 'message', now(), lockstep_message_data('u', 'c', g, 'u', "
        + "'d', '{}'::jsonb, 'k')) FROM generate_series(1, 2) g").forEach(row -> plan.append(row.getString(0)).append('\n'));
    assertTrue(plan.indexOf("to_json") >= 0, "the plan shows the functions' bodies: " + plan);
    assertEquals(-1, plan.indexOf("lockstep_"), "no call per row to a frame function (declared IMMUTABLE over "
        + "stable built-ins they are not inlined, and catch-up pages get five times slower): " + plan);
  }

  private static void assertSameFrames(Map<Long, String> live, Map<Long, String> fetched) {
    assertTrue(live.size() >= 3, "live events were seen: " + live.keySet());
    for (Map.Entry<Long, String> entry : live.entrySet()) {
      assertEquals(fetched.get(entry.getKey()), entry.getValue(), "event " + entry.getKey());
    }
  }

  private static long headOf(String user) {
    return NODE.sql("SELECT head FROM users WHERE user_id = $1", user).iterator().next().getLong("head");
  }

  /** A client that keeps every text frame exactly as it arrived (the Java client's raw socket). */
  private static final class RawClient {
    private final List<String> texts = new ArrayList<>();
    private final RawWebSocket socket;
    private String deviceId;

    private RawClient(RawWebSocket socket) {
      this.socket = socket;
    }

    static RawClient open(String token, String deviceId, Long cursor) {
      RawClient client = new RawClient(RawWebSocket.connect(RawOptions.to(NODE.port())));
      client.send(new JsonObject().put("type", "hello").put("token", token).put("device_id", deviceId)
          .put("cursor", cursor));
      client.deviceId = new JsonObject(client.awaitText(t -> t.startsWith("{\"type\":\"welcome\""))).getString("device_id");
      client.awaitText(t -> t.startsWith("{\"type\":\"synced\"") || t.startsWith("{\"type\":\"snapshot\""));
      return client;
    }

    void send(JsonObject frame) {
      socket.sendText(frame.encode());
    }

    void close() {
      socket.close();
    }

    void awaitReply(String id) {
      awaitText(t -> id.equals(new JsonObject(t).getValue("id")));
    }

    long lastSeq() {
      return events().keySet().stream().mapToLong(Long::longValue).max().orElse(0);
    }

    Map<Long, String> awaitEventsUpTo(long head) {
      awaitText(t -> events().containsKey(head));
      return events();
    }

    private Map<Long, String> events() {
      Map<Long, String> events = new TreeMap<>();
      for (String text : texts) {
        if (text.startsWith("{\"type\":\"event\"")) {
          events.put(new JsonObject(text).getLong("seq"), text);
        }
      }
      return events;
    }

    /** Reads frames (keeping each) until one matches, or fails after 10 s. */
    private String awaitText(Predicate<String> match) {
      for (String text : texts) {
        if (match.test(text)) {
          return text;
        }
      }
      long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      while (true) {
        Frame frame = socket.pollFrame(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
        if (frame == null || frame.isClose()) {
          throw new AssertionError("no matching frame within 10 s; got " + new JsonArray(new ArrayList<>(texts)));
        }
        texts.add(frame.text());
        if (match.test(frame.text())) {
          return frame.text();
        }
      }
    }
  }
}
