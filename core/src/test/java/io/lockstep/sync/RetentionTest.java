package io.lockstep.sync;

import io.lockstep.test.Eventually;
import io.lockstep.test.LockstepNode;
import io.lockstep.test.TestDevice;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A tiny retention window: a device that fell behind it gets a snapshot instead of a gappy backlog. */
class RetentionTest {

  @RegisterExtension
  static final LockstepNode NODE = new LockstepNode(new JsonObject().put("retention", new JsonObject()
      .put("max_events", 10).put("max_age", "0").put("prune_interval", "100ms")));

  @Test
  void aDeviceBehindTheRetentionFloorGetsAResetAndASnapshot() {
    String conversation = NODE.group("rae", "sid");
    TestDevice tablet = NODE.device("rae");
    tablet.connectAndSync();
    long cursor = tablet.awaitType("synced").getLong("head");
    tablet.request(new JsonObject().put("type", "ack").put("up_to", cursor));
    tablet.disconnect();

    TestDevice phone = NODE.device("rae");
    phone.connectAndSync();
    for (int i = 0; i < 30; i++) {
      phone.sendMessage(conversation, "r-" + i, "message " + i);
    }
    long head = awaitFloorAbove(cursor);

    tablet.connect();
    JsonObject welcome = tablet.hello();
    assertTrue(welcome.getBoolean("reset_required"));
    assertTrue(welcome.getLong("retention_floor") > cursor);
    JsonObject snapshot = tablet.awaitType("snapshot");
    JsonObject synced = tablet.awaitType("synced");
    assertTrue(tablet.events().isEmpty(), "no gappy backlog after a reset");
    assertTrue(snapshot.getLong("head") >= head);
    assertEquals(snapshot.getLong("head"), synced.getLong("head"));
    JsonObject inSnapshot = snapshot.getJsonArray("conversations").getJsonObject(0);
    assertEquals(30, inSnapshot.getLong("head"));
    assertEquals(20, inSnapshot.getJsonArray("last_messages").size(), "snapshot_last_messages is 20 by default");

    JsonObject paging = phone.request(new JsonObject().put("type", "sync").put("since", 0));
    assertEquals("reset_required", paging.getString("code"));

    phone.sendMessage(conversation, "after-reset", "live again");
    JsonObject live = tablet.awaitFrame(f -> "message".equals(f.getString("kind")));
    assertEquals(snapshot.getLong("head") + 1, live.getLong("seq"), "live events continue right after the snapshot");
  }

  @Test
  void aDeviceInsideTheWindowCatchesUpNormally() {
    String conversation = NODE.group("tom", "uma");
    TestDevice laptop = NODE.device("tom");
    laptop.connectAndSync();
    long cursor = laptop.awaitType("synced").getLong("head");
    laptop.request(new JsonObject().put("type", "ack").put("up_to", cursor));
    laptop.disconnect();
    TestDevice phone = NODE.device("uma");
    phone.connectAndSync();
    for (int i = 0; i < 5; i++) {
      phone.sendMessage(conversation, "w-" + i, "m" + i);
    }
    List<JsonObject> backlog = laptop.connectAndSync();
    assertFalse(laptop.awaitType("welcome").getBoolean("reset_required"));
    MultiDeviceSyncTest.assertSeqsContiguous(backlog, cursor + 1);
    assertEquals(5, backlog.size());
  }

  /**
   * Pruning by age goes user by user in batches; a message leaves only once no user in a later batch
   * still has an event pointing at it, so a paged message event always carries its data.
   */
  @Test
  void pruningInBatchesNeverLeavesAMessageEventWithoutItsMessage() {
    String conversation = NODE.group("pia", "quy");
    TestDevice pia = NODE.device("pia");
    pia.connectAndSync();
    for (int i = 0; i < 3; i++) {
      pia.sendMessage(conversation, "old-" + i, "old " + i);
    }
    NODE.sql("UPDATE messages SET created_at = now() - interval '2 hours' WHERE conversation_id = $1", conversation);
    NODE.sql("UPDATE user_events SET ts = now() - interval '2 hours' WHERE user_id IN ('pia', 'quy')");

    NODE.sql("SELECT lockstep_prune(0, interval '1 hour', 1)");
    assertEquals(3L, messages(conversation), "a user of a later batch still points at the messages");
    TestDevice quy = NODE.device("quy");
    quy.connectAndSync(new JsonObject().put("cursor", 0));
    List<JsonObject> paged = quy.events().stream().filter(e -> "message".equals(e.getString("kind"))).toList();
    assertEquals(3, paged.size());
    paged.forEach(event -> assertEquals(conversation, event.getJsonObject("data").getString("conversation_id"),
        "every paged message event carries its message: " + event.encode()));

    long rounds = 0;
    while (messages(conversation) > 0 && rounds++ < 5) {
      NODE.sql("SELECT lockstep_prune(0, interval '1 hour', 1)");
    }
    assertEquals(0L, messages(conversation), "once every user is pruned the messages go too");
  }

  private static long messages(String conversation) {
    return NODE.sql("SELECT count(*) AS n FROM messages WHERE conversation_id = $1", conversation).iterator().next().getLong("n");
  }

  private static long awaitFloorAbove(long cursor) {
    var row = Eventually.await(NODE.vertx(), Duration.ofSeconds(10),
        () -> NODE.sql("SELECT head, floor FROM users WHERE user_id = 'rae'").iterator().next(),
        r -> r.getLong("floor") > cursor && r.getLong("head") - r.getLong("floor") <= 10,
        "the retention job moving the floor above " + cursor);
    assertEquals(row.getLong("head") - row.getLong("floor"),
        NODE.sql("SELECT count(*) AS n FROM user_events WHERE user_id = 'rae'").iterator().next().getLong("n"),
        "events at or below the floor are deleted");
    return row.getLong("head");
  }
}
