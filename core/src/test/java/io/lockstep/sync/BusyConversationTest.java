package io.lockstep.sync;

import io.lockstep.test.LockstepNode;
import io.lockstep.test.TestDevice;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Many devices sending to one conversation at once: the sends that wait on it commit together
 * (group commit), and still every message is stored once, with gap-free conv_seqs, each sender's
 * messages in the order it sent them, and every member device receiving all of them once, in order.
 */
class BusyConversationTest {

  private static final int SENDERS = 8;
  private static final int EACH = 25;

  @RegisterExtension
  static final LockstepNode NODE = new LockstepNode(LockstepNode.unlimitedSends());

  @Test
  void concurrentSendersToOneConversationCommitTogetherWithNothingLostOrReordered() {
    List<String> users = new ArrayList<>();
    for (int i = 0; i < SENDERS; i++) {
      users.add("busy-" + i);
    }
    List<String> members = new ArrayList<>(users);
    members.add("reader");
    String conversation = NODE.group(members.toArray(String[]::new));
    TestDevice reader = NODE.device("reader");
    reader.connectAndSync();
    List<TestDevice> senders = new ArrayList<>();
    for (String user : users) {
      TestDevice device = NODE.device(user);
      device.connectAndSync();
      senders.add(device);
    }
    double batchesBefore = NODE.server().metrics().sendBatch.count();
    double sendsBefore = NODE.server().metrics().sendBatch.totalAmount();

    for (int n = 0; n < EACH; n++) {
      for (int s = 0; s < SENDERS; s++) {
        senders.get(s).send(new JsonObject().put("type", "send").put("id", "s" + n).put("conversation_id", conversation)
            .put("client_msg_id", users.get(s) + "-" + n).put("body", new JsonObject().put("n", n)));
      }
    }
    for (TestDevice sender : senders) {
      sender.awaitFrame(f -> ("s" + (EACH - 1)).equals(f.getValue("id")));
      assertEquals(EACH, sender.frames().stream().filter(f -> "sent".equals(f.getString("type"))).count());
    }

    List<JsonObject> received = reader.awaitEvents(SENDERS * EACH).stream()
        .filter(e -> "message".equals(e.getString("kind"))).toList();
    assertEquals(SENDERS * EACH, received.size());
    Map<String, Integer> nextOf = new HashMap<>();
    Set<Long> convSeqs = new HashSet<>();
    long previousSeq = 0;
    for (JsonObject event : received) {
      assertTrue(event.getLong("seq") > previousSeq, "the reader's log is in seq order");
      previousSeq = event.getLong("seq");
      JsonObject data = event.getJsonObject("data");
      convSeqs.add(data.getLong("conv_seq"));
      String sender = data.getJsonObject("sender").getString("user_id");
      int n = data.getJsonObject("body").getInteger("n");
      assertEquals(nextOf.getOrDefault(sender, 0), n, sender + "'s messages arrive in the order it sent them");
      nextOf.put(sender, n + 1);
    }
    assertEquals(SENDERS * EACH, convSeqs.size());
    assertEquals(SENDERS * EACH, NODE.sql("SELECT max(conv_seq) AS m FROM messages WHERE conversation_id = $1",
        conversation).iterator().next().getLong("m"), "conv_seqs are gap-free");

    double batches = NODE.server().metrics().sendBatch.count() - batchesBefore;
    double sends = NODE.server().metrics().sendBatch.totalAmount() - sendsBefore;
    assertEquals(SENDERS * EACH, sends, 0.0);
    assertTrue(batches < sends, "some sends waiting on the conversation were committed together: "
        + sends + " sends in " + batches + " transactions");
  }

  @Test
  void aBatchAnswersEachSendOnItsOwnRefusalsAndDuplicatesIncluded() {
    String conversation = NODE.group("bat-a", "bat-b");
    TestDevice first = NODE.device("bat-a");
    first.connectAndSync();
    TestDevice secondTab = NODE.device("bat-a").withDeviceId(first.deviceId());
    secondTab.connectAndSync();
    TestDevice member = NODE.device("bat-b");
    member.connectAndSync();
    TestDevice outsider = NODE.device("bat-outsider");
    outsider.connectAndSync();

    for (int round = 0; round < 10; round++) {
      JsonObject same = send(conversation, "same-" + round, round);
      first.send(same.copy().put("id", "x" + round));
      secondTab.send(same.copy().put("id", "y" + round));
      member.send(send(conversation, "m-" + round, round).put("id", "m" + round));
      outsider.send(send(conversation, "o-" + round, round).put("id", "o" + round));
    }
    for (int round = 0; round < 10; round++) {
      String x = "x" + round;
      String y = "y" + round;
      JsonObject one = first.awaitFrame(f -> x.equals(f.getValue("id")));
      JsonObject two = secondTab.awaitFrame(f -> y.equals(f.getValue("id")));
      assertEquals("sent", one.getString("type"), one.encode());
      assertEquals("sent", two.getString("type"), two.encode());
      assertEquals(one.getLong("conv_seq"), two.getLong("conv_seq"), "one message, answered twice");
      assertTrue(one.getBoolean("duplicate") ^ two.getBoolean("duplicate"), "exactly one of them is the duplicate");
      String m = "m" + round;
      assertEquals("sent", member.awaitFrame(f -> m.equals(f.getValue("id"))).getString("type"));
      String o = "o" + round;
      assertEquals("not_member", outsider.awaitFrame(f -> o.equals(f.getValue("id"))).getString("code"));
    }
    assertEquals(20L, NODE.sql("SELECT count(*) AS n FROM messages WHERE conversation_id = $1", conversation)
        .iterator().next().getLong("n"), "ten keys of the two tabs and ten of the member, nothing of the outsider");
  }

  private static JsonObject send(String conversation, String key, int n) {
    return new JsonObject().put("type", "send").put("conversation_id", conversation).put("client_msg_id", key)
        .put("body", new JsonObject().put("n", n));
  }
}
