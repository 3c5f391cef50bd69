package io.lockstep.connection;

import io.lockstep.test.LockstepNode;
import io.lockstep.client.raw.RawOptions;
import io.lockstep.client.raw.RawWebSocket;
import io.lockstep.test.TestDevice;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A socket that does not read cannot make the server hold more than its outbound queue: the server
 * stops reading it and fetching for it, then closes it with 4008, while the devices beside it are
 * served as usual; the device then resumes from its cursor with nothing lost.
 */
class SlowConsumerTest {

  private static final int HIGH_WATER = 64 * 1024;
  private static final int MAX_QUEUED = 2 * 1024 * 1024;
  /** Far below what an unbounded server would queue (hundreds of MiB), far above kernel buffers. */
  private static final long RECEIVED_BOUND = 24L * 1024 * 1024;
  private static final String BIG_TEXT = "x".repeat(60 * 1024);

  @RegisterExtension
  static final LockstepNode NODE = new LockstepNode(LockstepNode.unlimitedSends()
      .put("limits", LockstepNode.unlimitedSends().getJsonObject("limits")
          .put("outbound", new JsonObject().put("high_water_bytes", HIGH_WATER).put("max_bytes", MAX_QUEUED)
              .put("slow_consumer_timeout", "2s"))));

  @Test
  void aSocketThatAsksForPagesAndNeverReadsIsClosedWith4008AndHeldToItsQueue() throws java.io.IOException {
    String conversation = NODE.group("sam", "ben");
    TestDevice ben = NODE.device("ben");
    ben.connectAndSync();
    for (int i = 0; i < 40; i++) {
      ben.sendMessage(conversation, "big-" + i, BIG_TEXT);
    }

    double closedBefore = slowConsumersClosed();
    try (RawWebSocket attacker = RawWebSocket.connect(RawOptions.to(NODE.port()))) {
      attacker.sendText(new JsonObject().put("type", "hello").put("token", NODE.token("sam")).put("cursor", 0).encode());
      assertEquals("welcome", new JsonObject(attacker.readFrame(Duration.ofSeconds(10)).text()).getString("type"));
      for (int i = 0; i < 300; i++) {
        attacker.sendText(new JsonObject().put("type", "sync").put("id", i).put("since", 0).put("limit", 1000).encode());
      }
      assertNeighbourServed(ben, conversation, "during-pages");
      awaitSlowConsumers(closedBefore + 1);
      awaitServerSideClosed(attacker.localPort());
      long[] received = {0};
      int code = attacker.awaitClose(Duration.ofSeconds(30), received);
      assertTrue(code == 4008 || code == -1, "closed with 4008, or the TCP connection dropped after it: " + code);
      assertTrue(received[0] < RECEIVED_BOUND, "the server held the socket to its queue; it sent " + received[0] + " bytes");
    }
  }

  @Test
  void liveEventsForADeviceThatStoppedReadingAreFetchedAfterItsReconnectNoneLostNoneTwice() throws java.io.IOException {
    String conversation = NODE.group("ivy", "jon");
    TestDevice jon = NODE.device("jon");
    jon.connectAndSync();
    TestDevice ivyLaptop = NODE.device("ivy");
    ivyLaptop.connectAndSync();
    long cursor = ivyLaptop.awaitType("synced").getLong("head");
    ivyLaptop.request(new JsonObject().put("type", "ack").put("up_to", cursor));
    ivyLaptop.disconnect();

    int messages = 300;
    double closedBefore = slowConsumersClosed();
    try (RawWebSocket stalled = RawWebSocket.connect(RawOptions.to(NODE.port()))) {
      stalled.sendText(new JsonObject().put("type", "hello").put("token", NODE.token("ivy"))
          .put("device_id", ivyLaptop.deviceId()).encode());
      assertEquals("welcome", new JsonObject(stalled.readFrame(Duration.ofSeconds(10)).text()).getString("type"));
      for (int i = 0; i < messages; i++) {
        jon.sendMessage(conversation, "live-" + i, BIG_TEXT);
      }
      assertNeighbourServed(jon, conversation, "during-live");
      awaitSlowConsumers(closedBefore + 1);
      awaitServerSideClosed(stalled.localPort());
      int code = stalled.awaitClose(Duration.ofSeconds(30), null);
      assertTrue(code == 4008 || code == -1, "closed with 4008, or the TCP connection dropped after it: " + code);
    }

    List<JsonObject> backlog = ivyLaptop.connectAndSync();
    List<JsonObject> received = backlog.stream().filter(e -> "message".equals(e.getString("kind"))).toList();
    assertEquals(messages + 1, received.size(), "every message once, none lost");
    for (int i = 0; i < backlog.size(); i++) {
      assertEquals(cursor + 1 + i, backlog.get(i).getLong("seq"), "in order, no gap");
    }
  }

  private static double slowConsumersClosed() {
    return NODE.server().metrics().registry().get("lockstep.rate.limited").tag("limit", "slow_consumer").counter().count();
  }

  /** Waits, without reading, until the server has closed that many slow consumers. */
  private static void awaitSlowConsumers(double count) {
    long deadline = System.currentTimeMillis() + 30_000;
    while (slowConsumersClosed() < count) {
      assertTrue(System.currentTimeMillis() < deadline, "the server did not give up on the slow consumer");
      LockstepNode.await(NODE.vertx().timer(50));
    }
  }

  /**
   * Waits until the server's end of the connection from this client port has left ESTABLISHED (read
   * from /proc/net/tcp): a closed slow consumer keeps no socket, even if it never reads its close frame.
   */
  private static void awaitServerSideClosed(int clientPort) throws java.io.IOException {
    String server = String.format(":%04X", NODE.port());
    String client = String.format(":%04X", clientPort);
    long deadline = System.currentTimeMillis() + 15_000;
    while (true) {
      boolean established = java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/net/tcp")).stream()
          .map(line -> line.trim().split("\\s+"))
          .anyMatch(f -> f.length > 3 && f[1].endsWith(server) && f[2].endsWith(client) && f[3].equals("01"));
      if (!established) {
        return;
      }
      assertTrue(System.currentTimeMillis() < deadline, "the server still holds the socket of the closed slow consumer");
      LockstepNode.await(NODE.vertx().timer(200));
    }
  }

  private static void assertNeighbourServed(TestDevice neighbour, String conversation, String clientMsgId) {
    JsonObject sent = neighbour.sendMessage(conversation, clientMsgId, "still served");
    assertEquals("sent", sent.getString("type"), "a device beside the slow one is served: " + sent.encode());
    assertEquals("pong", neighbour.request(new JsonObject().put("type", "ping")).getString("type"));
  }
}
