package io.lockstep.admin;

import io.lockstep.test.Eventually;
import io.lockstep.test.ConsoleClient;
import io.lockstep.test.LockstepNode;
import io.lockstep.test.TestDevice;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The overview's figures: the charts' history is there before anyone opened the console, later
 * requests get only what is new, and a figure beyond its threshold is a warning until it is back.
 */
class ConsoleFiguresTest {

  private static final String PASSWORD = "correct horse battery staple";

  @RegisterExtension
  static final LockstepNode NODE = new LockstepNode(new JsonObject()
      .put("admin", new JsonObject().put("username", "ops").put("password", PASSWORD)
          .put("sample_interval", "200ms").put("history", "1m")
          .put("thresholds", new JsonObject().put("device_lag", 2))));

  @Test
  void theChartsHistoryCoversTheTimeBeforeThePageOpened() {
    ConsoleClient console = new ConsoleClient(NODE).signIn("ops", PASSWORD);
    JsonObject history = Eventually.await(NODE.vertx(), Duration.ofSeconds(10),
        () -> console.get("/admin/api/history?minutes=1").bodyAsJsonObject(),
        answer -> answer.getJsonArray("t").size() >= 5, "five samples of history");
    JsonArray t = history.getJsonArray("t");
    assertEquals(200, history.getLong("interval_ms"));
    JsonArray connections = history.getJsonObject("nodes").getJsonObject(NODE.server().nodeId()).getJsonArray("connections");
    assertEquals(t.size(), connections.size(), "the node's figures are on the shared time axis");
    assertEquals(t.size(), history.getJsonObject("cluster").getJsonArray("heap_used_bytes").size());
    for (int i = 0; i < t.size(); i++) {
      assertEquals(0, t.getLong(i) % 200, "buckets start at multiples of the sample interval: " + t);
      assertTrue(i == 0 || t.getLong(i) > t.getLong(i - 1), "one sample per bucket, in order: " + t);
    }

    long newest = t.getLong(t.size() - 1);
    JsonArray later = Eventually.await(NODE.vertx(), Duration.ofSeconds(5),
        () -> console.get("/admin/api/history?minutes=1&since=" + newest).bodyAsJsonObject().getJsonArray("t"),
        times -> !times.isEmpty(), "a newer bucket");
    assertTrue(later.stream().allMatch(time -> (Long) time > newest), "only buckets after since: " + later);
  }

  @Test
  void aRangeTheNodesDoNotKeepIsRefused() {
    ConsoleClient console = new ConsoleClient(NODE).signIn("ops", PASSWORD);
    for (String range : List.of("0", "2", "an hour", "-5")) {
      HttpResponse<Buffer> refused = console.get("/admin/api/history?minutes=" + range.replace(" ", "%20"));
      assertEquals(400, refused.statusCode(), range);
      assertEquals("invalid_field", refused.bodyAsJsonObject().getString("code"));
      assertTrue(refused.bodyAsJsonObject().getString("message").contains("minutes"), refused.bodyAsString());
    }
  }

  @Test
  void aDeviceBehindTheThresholdIsAWarningUntilItAcks() {
    String conversation = NODE.group("ivy", "jon");
    TestDevice ivy = NODE.device("ivy");
    ivy.connectAndSync();
    TestDevice jon = NODE.device("jon");
    jon.connectAndSync();
    for (int i = 0; i < 4; i++) {
      jon.sendMessage(conversation, "j-" + i, "m" + i);
    }
    JsonObject last = ivy.awaitFrame(f -> "message".equals(f.getString("kind")) && f.getJsonObject("data").getLong("conv_seq") == 4);
    ConsoleClient console = new ConsoleClient(NODE).signIn("ops", PASSWORD);

    JsonObject warning = Eventually.await(NODE.vertx(), Duration.ofSeconds(5), () -> lagWarning(console),
        found -> found != null, "a device_lag warning");
    assertEquals("health", warning.getString("view"), "it links to the view that lists the devices");
    assertTrue(warning.getString("text").contains("more than 2 events behind"), warning.getString("text"));
    assertEquals(2, console.get("/admin/api/overview").bodyAsJsonObject().getJsonObject("thresholds").getLong("device_lag"));

    ivy.request(new JsonObject().put("type", "ack").put("up_to", last.getLong("seq")));
    jon.request(new JsonObject().put("type", "ack").put("up_to", jon.awaitFrame(f -> "message".equals(f.getString("kind"))
        && f.getJsonObject("data").getLong("conv_seq") == 4).getLong("seq")));
    Eventually.await(NODE.vertx(), Duration.ofSeconds(5), () -> lagWarning(console), found -> found == null,
        "the warning cleared once the devices acked");
  }

  private static JsonObject lagWarning(ConsoleClient console) {
    return console.get("/admin/api/overview").bodyAsJsonObject().getJsonArray("warnings").stream()
        .map(JsonObject.class::cast).filter(w -> "device_lag".equals(w.getString("id"))).findFirst().orElse(null);
  }
}
