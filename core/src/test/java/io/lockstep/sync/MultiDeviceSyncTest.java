package io.lockstep.sync;

import io.lockstep.test.LockstepNode;
import io.lockstep.test.TestDevice;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.LongStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** One account, several devices: live fan-out, catch-up, idempotent sends and ordering under load. */
class MultiDeviceSyncTest {

  @RegisterExtension
  static final LockstepNode NODE = new LockstepNode(LockstepNode.unlimitedSends());

  @Test
  void phoneSendsLaptopAndTabletGetItLiveAndThePhoneGetsItsEcho() {
    String conversation = NODE.group("ann", "ben");
    TestDevice phone = NODE.device("ann");
    TestDevice laptop = NODE.device("ann");
    TestDevice tablet = NODE.device("ann");
    TestDevice bensPhone = NODE.device("ben");
    for (TestDevice device : List.of(phone, laptop, tablet, bensPhone)) {
      device.connectAndSync();
    }

    JsonObject sent = phone.sendMessage(conversation, "m-1", "hello from the phone");

    assertEquals("sent", sent.getString("type"));
    assertEquals(1, sent.getLong("conv_seq"));
    assertFalse(sent.getBoolean("duplicate"));
    long seq = sent.getLong("seq");
    for (TestDevice device : List.of(phone, laptop, tablet)) {
      JsonObject event = device.awaitFrame(f -> "message".equals(f.getString("kind")));
      assertEquals(seq, event.getLong("seq"));
      JsonObject data = event.getJsonObject("data");
      assertEquals("hello from the phone", data.getJsonObject("body").getString("text"));
      assertEquals(phone.deviceId(), data.getJsonObject("sender").getString("device_id"));
      assertEquals("m-1", data.getString("client_msg_id"), "the sender's own devices see the client_msg_id");
    }
    JsonObject bensEvent = bensPhone.awaitFrame(f -> "message".equals(f.getString("kind")));
    assertFalse(bensEvent.getJsonObject("data").containsKey("client_msg_id"), "other users never see it");
  }

  @Test
  void laptopOfflineForFiveHundredMessagesCatchesUpInOrderOnce() {
    String conversation = NODE.group("cat", "dan");
    TestDevice laptop = NODE.device("cat");
    laptop.connectAndSync();
    long cursor = laptop.awaitFrame(f -> f.getString("type").equals("synced")).getLong("head");
    laptop.request(new JsonObject().put("type", "ack").put("up_to", cursor));
    laptop.disconnect();

    TestDevice dansPhone = NODE.device("dan");
    dansPhone.connectAndSync();
    for (int i = 0; i < 500; i++) {
      dansPhone.send(new JsonObject().put("type", "send").put("id", i).put("conversation_id", conversation)
          .put("client_msg_id", "d-" + i).put("body", new JsonObject().put("n", i)));
    }
    dansPhone.awaitFrame(f -> Integer.valueOf(499).equals(f.getValue("id")));

    List<JsonObject> backlog = laptop.connectAndSync();

    assertEquals(500, backlog.size());
    assertSeqsContiguous(backlog, cursor + 1);
    for (int i = 0; i < 500; i++) {
      assertEquals(i, backlog.get(i).getJsonObject("data").getJsonObject("body").getInteger("n"));
    }
    JsonObject welcome = laptop.awaitType("welcome");
    assertEquals(cursor, welcome.getLong("cursor"), "welcome carries the stored cursor");
    assertFalse(welcome.getBoolean("reset_required"));
  }

  @Test
  void aRetriedSendAfterReconnectIsNotDuplicatedAndSurvivesARestart() {
    String conversation = NODE.group("eve", "fay");
    TestDevice phone = NODE.device("eve");
    phone.connectAndSync();
    JsonObject first = phone.sendMessage(conversation, "retry-me", "once");
    phone.disconnect();

    phone.connectAndSync();
    JsonObject retry = phone.sendMessage(conversation, "retry-me", "once");
    assertTrue(retry.getBoolean("duplicate"));
    assertEquals(first.getLong("conv_seq"), retry.getLong("conv_seq"));
    assertEquals(first.getLong("seq"), retry.getLong("seq"));
    JsonObject elsewhere = phone.sendMessage(NODE.group("eve", "gwen"), "retry-me", "once");
    assertTrue(elsewhere.getBoolean("duplicate"));
    assertEquals(conversation, elsewhere.getString("conversation_id"), "a duplicate answers the original send");

    NODE.restart();
    assertTrue(NODE.redisKeys("presence:eve:*").isEmpty(), "a clean shutdown removes presence at once");
    phone.connectAndSync();
    JsonObject afterRestart = phone.sendMessage(conversation, "retry-me", "once");
    assertTrue(afterRestart.getBoolean("duplicate"));
    assertEquals(first.getLong("seq"), afterRestart.getLong("seq"));

    assertEquals(1L, NODE.sql("SELECT count(*) AS n FROM messages WHERE conversation_id = $1", conversation)
        .iterator().next().getLong("n"));
    assertEquals(3L, NODE.sql("SELECT duplicate_sends FROM devices WHERE device_id = $1", phone.deviceId())
        .iterator().next().getLong("duplicate_sends"), "duplicates are counted per device");
  }

  @Test
  void theSameClientMsgIdFromTwoDevicesIsTwoMessages() {
    String conversation = NODE.group("gus", "hal");
    TestDevice phone = NODE.device("gus");
    TestDevice laptop = NODE.device("gus");
    phone.connectAndSync();
    laptop.connectAndSync();

    JsonObject fromPhone = phone.sendMessage(conversation, "same-id", "a");
    JsonObject fromLaptop = laptop.sendMessage(conversation, "same-id", "b");

    assertFalse(fromPhone.getBoolean("duplicate"));
    assertFalse(fromLaptop.getBoolean("duplicate"));
    assertNotEquals(fromPhone.getLong("conv_seq"), fromLaptop.getLong("conv_seq"));
  }

  @Test
  void aNewDeviceGetsASnapshotInsteadOfHistoryUnlessItAsksForACursor() {
    String conversation = NODE.group("ida", "jon");
    TestDevice phone = NODE.device("ida");
    phone.connectAndSync();
    for (int i = 0; i < 5; i++) {
      phone.sendMessage(conversation, "s-" + i, "m" + i);
    }

    TestDevice newLaptop = NODE.device("ida");
    List<JsonObject> replay = newLaptop.connectAndSync();
    JsonObject snapshot = newLaptop.awaitType("snapshot");
    JsonObject welcome = newLaptop.awaitType("welcome");

    assertTrue(replay.isEmpty(), "a new device replays no history");
    assertEquals(welcome.getLong("head"), snapshot.getLong("head"));
    JsonObject inSnapshot = snapshot.getJsonArray("conversations").stream().map(JsonObject.class::cast)
        .filter(c -> c.getString("conversation_id").equals(conversation)).findFirst().orElseThrow();
    assertEquals(5, inSnapshot.getLong("head"));
    assertEquals(5, inSnapshot.getJsonArray("last_messages").size());
    assertEquals("m4", inSnapshot.getJsonArray("last_messages").getJsonObject(4).getJsonObject("body").getString("text"));

    TestDevice restoring = NODE.device("ida");
    List<JsonObject> wholeLog = restoring.connectAndSync(new JsonObject().put("cursor", 0));
    assertSeqsContiguous(wholeLog, 1);
    assertEquals(5, wholeLog.stream().filter(e -> e.getString("kind").equals("message")).count());
  }

  @Test
  void cursorsMoveForwardOnlyAndNeverPastTheHead() {
    TestDevice phone = NODE.device("kim");
    phone.connectAndSync();
    long head = phone.awaitType("welcome").getLong("head");

    assertEquals(head, phone.request(new JsonObject().put("type", "ack").put("up_to", head)).getLong("cursor"));
    JsonObject lower = phone.request(new JsonObject().put("type", "ack").put("up_to", 0));
    assertEquals("acked", lower.getString("type"));
    assertEquals(head, lower.getLong("cursor"), "a lower ack is ignored");
    JsonObject ahead = phone.request(new JsonObject().put("type", "ack").put("up_to", head + 10));
    assertEquals("cursor_ahead", ahead.getString("code"));

    phone.disconnect();
    phone.connect();
    assertEquals(head, phone.hello().getLong("cursor"));
  }

  @Test
  void explicitPagingReturnsTheLogInPages() {
    String conversation = NODE.group("lea", "max");
    TestDevice phone = NODE.device("lea");
    phone.connectAndSync();
    for (int i = 0; i < 7; i++) {
      phone.sendMessage(conversation, "p-" + i, "m" + i);
    }
    JsonObject firstPage = phone.request(new JsonObject().put("type", "sync").put("since", 0).put("limit", 3));
    assertEquals("events", firstPage.getString("type"));
    assertEquals(3, firstPage.getJsonArray("events").size());
    assertTrue(firstPage.getBoolean("has_more"));
    long last = firstPage.getJsonArray("events").getJsonObject(2).getLong("seq");
    JsonObject rest = phone.request(new JsonObject().put("type", "sync").put("since", last).put("limit", 100));
    assertFalse(rest.getBoolean("has_more"));
    assertEquals(rest.getLong("head"), rest.getJsonArray("events").getJsonObject(rest.getJsonArray("events").size() - 1).getLong("seq"));

    JsonObject history = phone.request(new JsonObject().put("type", "sync").put("conversation_id", conversation)
        .put("since", 5).put("limit", 10));
    assertEquals(2, history.getJsonArray("events").size());
    assertEquals(6, history.getJsonArray("events").getJsonObject(0).getLong("conv_seq"));
  }

  /**
   * Invariants 1 and 2: many senders write into one conversation concurrently while one device of a
   * member is live and another keeps reconnecting from its acked cursor. Every connection sees the
   * user's log gap-free, duplicate-free and in order, and nothing is missing at the end.
   */
  @Test
  void manyConcurrentSendersNeverCauseAGapADuplicateOrAReorder() throws Exception {
    int senders = 8;
    int perSender = 60;
    List<String> users = new ArrayList<>();
    for (int i = 0; i < senders; i++) {
      users.add("sender-" + i);
    }
    users.add("watcher");
    String conversation = NODE.group(users.toArray(String[]::new));

    TestDevice roaming = NODE.device("watcher");
    roaming.connectAndSync();
    TestDevice live = NODE.device("watcher");
    live.connectAndSync();
    long start = live.awaitType("synced").getLong("head");
    long roamingCursor = start;

    List<TestDevice> senderDevices = new ArrayList<>();
    for (int i = 0; i < senders; i++) {
      TestDevice device = NODE.device("sender-" + i);
      device.connectAndSync();
      senderDevices.add(device);
    }

    roaming.disconnect();
    roaming.connectAndSync(new JsonObject().put("cursor", roamingCursor));
    roaming.request(new JsonObject().put("type", "ack").put("up_to", roamingCursor));

    ExecutorService pool = Executors.newFixedThreadPool(senders);
    List<Future<?>> sending = new ArrayList<>();
    for (int s = 0; s < senders; s++) {
      TestDevice device = senderDevices.get(s);
      int sender = s;
      sending.add(pool.submit(() -> {
        for (int i = 0; i < perSender; i++) {
          device.send(new JsonObject().put("type", "send").put("id", i).put("conversation_id", conversation)
              .put("client_msg_id", sender + "-" + i).put("body", new JsonObject().put("s", sender).put("i", i)));
        }
        device.awaitFrame(f -> Integer.valueOf(perSender - 1).equals(f.getValue("id")));
      }));
    }

    List<JsonObject> roamingSeen = new ArrayList<>();
    for (int round = 0; round < 30 && !sending.stream().allMatch(Future::isDone); round++) {
      for (int pause = 0; pause < 5; pause++) {
        roaming.request(new JsonObject().put("type", "ping"));
      }
      List<JsonObject> events = roaming.events();
      assertSeqsContiguous(events, roamingCursor + 1);
      roamingSeen.addAll(events);
      if (!events.isEmpty()) {
        roamingCursor = events.get(events.size() - 1).getLong("seq");
        roaming.request(new JsonObject().put("type", "ack").put("up_to", roamingCursor));
      }
      roaming.disconnect();
      roaming.connectAndSync();
    }
    for (Future<?> future : sending) {
      future.get();
    }
    pool.shutdown();

    int total = senders * perSender;
    List<JsonObject> liveEvents = live.awaitEvents(total);
    assertEquals(total, liveEvents.size());
    assertSeqsContiguous(liveEvents, start + 1);

    List<JsonObject> roamingRest = roaming.awaitEvents((int) (start + total - roamingCursor));
    assertSeqsContiguous(roamingRest, roamingCursor + 1);
    roamingSeen.addAll(roamingRest);
    assertSeqsContiguous(roamingSeen, start + 1);
    assertEquals(total, roamingSeen.size());
  }

  static void assertSeqsContiguous(List<JsonObject> events, long firstSeq) {
    long[] expected = LongStream.range(firstSeq, firstSeq + events.size()).toArray();
    long[] actual = events.stream().mapToLong(e -> e.getLong("seq")).toArray();
    assertEquals(java.util.Arrays.toString(expected), java.util.Arrays.toString(actual),
        "events must arrive gap-free, once each, in ascending seq");
  }
}
