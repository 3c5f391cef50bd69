package io.lockstep.ops;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** A node's history ring, and the cluster's history merged from the nodes' rings. */
class NodeHistoryTest {

  @Test
  void aFullRingKeepsTheNewestSamplesInOrder() {
    NodeHistory history = new NodeHistory(3);
    for (int i = 1; i <= 5; i++) {
      history.add(i * 1000L, sample(Figure.CONNECTIONS, i));
    }
    JsonObject all = history.since(0);
    assertEquals(List.of(3000L, 4000L, 5000L), all.getJsonArray("t").getList());
    assertEquals(List.of(3.0, 4.0, 5.0), all.getJsonArray("connections").getList());
    assertEquals(List.of(5000L), history.since(4000).getJsonArray("t").getList(), "only samples after since");
    assertEquals(3, history.size());
  }

  @Test
  void theClusterSumsTrafficTakesTheWorstLatencyAndLeavesOutTheBucketStillFilling() {
    JsonObject a = columns(List.of(1_000L, 2_010L, 3_020L), Figure.CONNECTIONS, List.of(10.0, 11.0, 12.0),
        Figure.DELIVERY_P99, List.of(5.0, 80.0, 7.0));
    JsonObject b = columns(List.of(1_500L, 2_500L, 3_500L), Figure.CONNECTIONS, List.of(1.0, 2.0, 3.0),
        Figure.DELIVERY_P99, List.of(9.0, 9.0, 9.0));
    JsonObject merged = ClusterHistory.merge(Map.of("a", a, "b", b), 1000, 0, 4_200);
    assertEquals(List.of(1000L, 2000L), merged.getJsonArray("t").getList(), "3000 completes at 4000 plus the grace");
    assertEquals(List.of(11.0, 13.0), merged.getJsonObject("cluster").getJsonArray("connections").getList());
    assertEquals(List.of(9.0, 80.0), merged.getJsonObject("cluster").getJsonArray("delivery_p99_ms").getList());
    assertEquals(List.of(1.0, 2.0), merged.getJsonObject("nodes").getJsonObject("b").getJsonArray("connections").getList());
  }

  @Test
  void aNodeMissingFromOneBucketKeepsItsPreviousValueInTheClusterOnly() {
    JsonObject a = columns(List.of(1_000L, 2_000L, 3_000L), Figure.CONNECTIONS, List.of(10.0, 10.0, 10.0));
    JsonObject late = columns(List.of(1_000L, 3_100L), Figure.CONNECTIONS, List.of(5.0, 5.0));
    JsonObject merged = ClusterHistory.merge(Map.of("a", a, "late", late), 1000, 0, 10_000);
    assertEquals(List.of(15.0, 15.0, 15.0), merged.getJsonObject("cluster").getJsonArray("connections").getList());
    JsonArray own = merged.getJsonObject("nodes").getJsonObject("late").getJsonArray("connections");
    assertNull(own.getValue(1), "the node's own series shows the gap");
  }

  private static double[] sample(Figure figure, double value) {
    double[] values = new double[Figure.values().length];
    values[figure.ordinal()] = value;
    return values;
  }

  private static JsonObject columns(List<Long> times, Object... figuresAndValues) {
    JsonObject columns = new JsonObject().put("t", new JsonArray(times));
    for (int i = 0; i < figuresAndValues.length; i += 2) {
      columns.put(((Figure) figuresAndValues[i]).key(), new JsonArray((List<?>) figuresAndValues[i + 1]));
    }
    return columns;
  }
}
