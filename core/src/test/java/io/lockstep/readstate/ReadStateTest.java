package io.lockstep.readstate;

import io.lockstep.test.LockstepNode;
import io.lockstep.test.TestDevice;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Read on one device, and every device of the account agrees on what is unread. */
class ReadStateTest {

  @RegisterExtension
  static final LockstepNode NODE = new LockstepNode(LockstepNode.unlimitedSends());

  @Test
  void aReadOnTheLaptopClearsThePhoneNowAndTheTabletOnItsNextSync() {
    String conversation = NODE.group("ann", "bob");
    TestDevice phone = NODE.device("ann");
    TestDevice laptop = NODE.device("ann");
    TestDevice tablet = NODE.device("ann");
    phone.connectAndSync();
    laptop.connectAndSync();
    tablet.connectAndSync();
    long tabletCursor = tablet.awaitType("synced").getLong("head");
    tablet.request(new JsonObject().put("type", "ack").put("up_to", tabletCursor));
    tablet.disconnect();

    TestDevice bob = NODE.device("bob");
    bob.connectAndSync();
    for (int i = 1; i <= 3; i++) {
      bob.sendMessage(conversation, "b-" + i, "message " + i);
    }
    laptop.awaitFrame(f -> "message".equals(f.getString("kind")) && f.getJsonObject("data").getLong("conv_seq") == 3);
    assertEquals(3, conversationState("ann", conversation).getLong("unread"));

    JsonObject result = laptop.request(new JsonObject().put("type", "read").put("conversation_id", conversation).put("up_to", 3));
    assertEquals("result", result.getString("type"));
    assertEquals(3, result.getLong("read_up_to"));
    assertEquals(0, result.getLong("unread"));

    JsonObject onPhone = phone.awaitFrame(f -> "read_state".equals(f.getString("kind")));
    assertEquals(0, onPhone.getJsonObject("data").getLong("unread"));
    assertEquals(0, onPhone.getJsonObject("data").getLong("total_unread"));
    assertEquals(3, onPhone.getJsonObject("data").getLong("read_up_to"));

    List<JsonObject> tabletBacklog = tablet.connectAndSync();
    JsonObject onTablet = tabletBacklog.stream().filter(e -> "read_state".equals(e.getString("kind"))).findFirst().orElseThrow();
    assertEquals(onPhone.getLong("seq"), onTablet.getLong("seq"), "the same event, in the same place of the log");
    assertTrue(tabletBacklog.indexOf(onTablet) > 2, "after the three messages it covers");
    JsonObject listed = conversationState("ann", conversation);
    assertEquals(0, listed.getLong("unread"));
    assertEquals(0, NODE.request(HttpMethod.GET, "/v1/conversations", NODE.token("ann"), null).bodyAsJsonObject()
        .getLong("total_unread"));
  }

  @Test
  void concurrentReadsEndAtTheMaximumAndTheLogNeverStepsBack() throws Exception {
    String conversation = NODE.group("cal", "dee");
    TestDevice dee = NODE.device("dee");
    dee.connectAndSync();
    for (int i = 1; i <= 20; i++) {
      dee.sendMessage(conversation, "d-" + i, "m" + i);
    }
    TestDevice phone = NODE.device("cal");
    TestDevice laptop = NODE.device("cal");
    TestDevice watcher = NODE.device("cal");
    phone.connectAndSync();
    laptop.connectAndSync();
    watcher.connectAndSync();

    List<CompletableFuture<JsonObject>> reads = new ArrayList<>();
    for (int upTo = 1; upTo <= 20; upTo++) {
      TestDevice device = upTo % 2 == 0 ? phone : laptop;
      long value = upTo % 2 == 0 ? upTo : 21 - upTo;
      reads.add(CompletableFuture.supplyAsync(() -> device.request(new JsonObject().put("type", "read")
          .put("conversation_id", conversation).put("up_to", value))));
    }
    for (CompletableFuture<JsonObject> read : reads) {
      assertEquals("result", read.get(20, TimeUnit.SECONDS).getString("type"));
    }

    assertEquals(20, conversationState("cal", conversation).getLong("read_up_to"));
    JsonObject last = watcher.awaitFrame(f -> "read_state".equals(f.getString("kind"))
        && f.getJsonObject("data").getLong("read_up_to") == 20);
    long previous = 0;
    for (JsonObject event : watcher.events()) {
      if ("read_state".equals(event.getString("kind"))) {
        long readUpTo = event.getJsonObject("data").getLong("read_up_to");
        assertTrue(readUpTo > previous, "read state only moves forward in the log: " + previous + " then " + readUpTo);
        previous = readUpTo;
      }
    }
    assertEquals(0, last.getJsonObject("data").getLong("unread"));
    JsonObject lower = phone.request(new JsonObject().put("type", "read").put("conversation_id", conversation).put("up_to", 2));
    assertEquals(20, lower.getLong("read_up_to"), "a lower up_to answers the current cursor");
  }

  @Test
  void ownMessagesAreNeverUnreadAndANewMessageRaisesUnreadEverywhere() {
    String conversation = NODE.group("eve", "fox");
    TestDevice phone = NODE.device("eve");
    TestDevice laptop = NODE.device("eve");
    phone.connectAndSync();
    laptop.connectAndSync();
    phone.sendMessage(conversation, "e-1", "mine");
    phone.sendMessage(conversation, "e-2", "also mine");
    assertEquals(0, conversationState("eve", conversation).getLong("unread"));
    assertEquals(2, conversationState("eve", conversation).getLong("read_up_to"), "sending moves the sender's read cursor");

    TestDevice fox = NODE.device("fox");
    fox.connectAndSync();
    fox.sendMessage(conversation, "f-1", "yours");
    JsonObject state = conversationState("eve", conversation);
    assertEquals(1, state.getLong("unread"));
    for (TestDevice device : List.of(phone, laptop)) {
      JsonObject message = device.awaitFrame(f -> "message".equals(f.getString("kind"))
          && "fox".equals(f.getJsonObject("data").getJsonObject("sender").getString("user_id")));
      assertEquals(3, message.getJsonObject("data").getLong("conv_seq"));
    }
    TestDevice fresh = NODE.device("eve");
    fresh.connectAndSync();
    JsonObject inSnapshot = fresh.awaitType("snapshot").getJsonArray("conversations").stream().map(JsonObject.class::cast)
        .filter(c -> c.getString("conversation_id").equals(conversation)).findFirst().orElseThrow();
    assertEquals(1, inSnapshot.getLong("unread"));
    assertEquals(2, inSnapshot.getLong("read_up_to"));
    assertEquals(1, fresh.awaitType("snapshot").getLong("total_unread"));
  }

  @Test
  void markUnreadSetsTheFlagAndTheNextReadClearsIt() {
    String conversation = NODE.group("gus", "hal");
    TestDevice hal = NODE.device("hal");
    hal.connectAndSync();
    hal.sendMessage(conversation, "h-1", "hi");
    TestDevice phone = NODE.device("gus");
    TestDevice laptop = NODE.device("gus");
    phone.connectAndSync();
    laptop.connectAndSync();
    phone.request(new JsonObject().put("type", "read").put("conversation_id", conversation).put("up_to", 1));

    JsonObject marked = phone.request(new JsonObject().put("type", "mark_unread").put("conversation_id", conversation));
    assertTrue(marked.getBoolean("marked_unread"));
    assertEquals(0, marked.getLong("unread"));
    assertEquals(1, marked.getLong("total_unread"), "a conversation marked unread counts in the badge");
    JsonObject onLaptop = laptop.awaitFrame(f -> "read_state".equals(f.getString("kind"))
        && f.getJsonObject("data").getBoolean("marked_unread"));
    assertEquals(1, onLaptop.getJsonObject("data").getLong("read_up_to"), "marking unread never moves the cursor back");

    JsonObject cleared = laptop.request(new JsonObject().put("type", "read").put("conversation_id", conversation).put("up_to", 1));
    assertFalse(cleared.getBoolean("marked_unread"));
    assertEquals(0, cleared.getLong("total_unread"));
    phone.awaitFrame(f -> "read_state".equals(f.getString("kind")) && !f.getJsonObject("data").getBoolean("marked_unread")
        && f.getLong("seq") > onLaptop.getLong("seq"));
  }

  @Test
  void receiptsTellTheSenderWhenTheRecipientsDevicesStoredAndReadAMessage() {
    String conversation = NODE.group("ivy", "jon");
    TestDevice ivy = NODE.device("ivy");
    TestDevice ivysLaptop = NODE.device("ivy");
    TestDevice jon = NODE.device("jon");
    TestDevice jonsTablet = NODE.device("jon");
    ivy.connectAndSync();
    ivysLaptop.connectAndSync();
    jon.connectAndSync();
    jonsTablet.connectAndSync();
    ivy.sendMessage(conversation, "i-1", "one");
    ivy.sendMessage(conversation, "i-2", "two");
    JsonObject second = jon.awaitFrame(f -> "message".equals(f.getString("kind")) && f.getJsonObject("data").getLong("conv_seq") == 2);

    jon.request(new JsonObject().put("type", "ack").put("up_to", second.getLong("seq")));
    JsonObject delivered = ivysLaptop.awaitFrame(f -> "receipt".equals(f.getString("kind")));
    assertEquals(new JsonObject().put("conversation_id", conversation).put("user_id", "jon").put("kind", "delivered")
        .put("up_to", 2), delivered.getJsonObject("data"));
    jonsTablet.request(new JsonObject().put("type", "ack").put("up_to", second.getLong("seq")));
    jon.request(new JsonObject().put("type", "read").put("conversation_id", conversation).put("up_to", 2));
    JsonObject read = ivy.awaitFrame(f -> "receipt".equals(f.getString("kind")) && "read".equals(f.getJsonObject("data").getString("kind")));
    assertEquals(2, read.getJsonObject("data").getLong("up_to"));
    assertEquals("jon", read.getJsonObject("data").getString("user_id"));
    List<JsonObject> receipts = ivy.events().stream().filter(e -> "receipt".equals(e.getString("kind"))).toList();
    assertEquals(2, receipts.size(), "one delivered receipt per user and change (the second device's ack adds none), one read");
  }

  @Test
  void privateReadReceiptsSendNoneButTheReadersOwnDevicesStillSync() {
    String conversation = NODE.group("kai", "lou");
    TestDevice kai = NODE.device("kai");
    TestDevice lou = NODE.device("lou");
    TestDevice lousLaptop = NODE.device("lou");
    kai.connectAndSync();
    lou.connectAndSync();
    lousLaptop.connectAndSync();
    assertEquals("result", lou.request(new JsonObject().put("type", "settings.set").put("scope", "account")
        .put("key", "privacy.read_receipts").put("value", false)).getString("type"));
    kai.sendMessage(conversation, "k-1", "seen?");
    JsonObject message = lou.awaitFrame(f -> "message".equals(f.getString("kind")));

    lou.request(new JsonObject().put("type", "ack").put("up_to", message.getLong("seq")));
    kai.awaitFrame(f -> "receipt".equals(f.getString("kind")) && "delivered".equals(f.getJsonObject("data").getString("kind")));
    lou.request(new JsonObject().put("type", "read").put("conversation_id", conversation).put("up_to", 1));
    lousLaptop.awaitFrame(f -> "read_state".equals(f.getString("kind")));
    kai.request(new JsonObject().put("type", "ping"));
    assertTrue(kai.events().stream().noneMatch(e -> "receipt".equals(e.getString("kind"))
        && "read".equals(e.getJsonObject("data").getString("kind"))), "no read receipt leaves a private reader");
    assertEquals(0, NODE.sql("SELECT count(*) AS n FROM user_events WHERE user_id = 'kai' AND kind = 'receipt' "
        + "AND data->>'kind' = 'read'").iterator().next().getLong("n"));
  }

  @Test
  void badReadsAreRefusedAndChangeNothing() {
    String conversation = NODE.group("max", "ned");
    String foreign = NODE.group("oz", "pam");
    TestDevice max = NODE.device("max");
    max.connectAndSync();
    max.sendMessage(conversation, "m-1", "x");
    JsonObject beyond = max.request(new JsonObject().put("type", "read").put("conversation_id", conversation).put("up_to", 5));
    assertEquals("invalid_field", beyond.getString("code"));
    assertTrue(beyond.getString("message").contains("up_to"));
    assertEquals("not_member", max.request(new JsonObject().put("type", "read").put("conversation_id", foreign).put("up_to", 0))
        .getString("code"));
    assertEquals("not_found", max.request(new JsonObject().put("type", "read").put("conversation_id", "nope").put("up_to", 0))
        .getString("code"));
    for (Object bad : new Object[] {-1, 0.5, "1"}) {
      assertEquals("invalid_field", max.request(new JsonObject().put("type", "read").put("conversation_id", conversation)
          .put("up_to", bad)).getString("code"));
    }
    assertEquals("not_member", max.request(new JsonObject().put("type", "mark_unread").put("conversation_id", foreign))
        .getString("code"));
    assertEquals(1, conversationState("max", conversation).getLong("read_up_to"));
    assertEquals(0, NODE.sql("SELECT count(*) AS n FROM user_events WHERE kind = 'read_state' AND user_id = 'max'")
        .iterator().next().getLong("n"));
  }

  /** Reads on the laptop, one at a time, each reaching the phone as a read_state event (perf/ times them). */
  @Test
  void readStatePropagatesToTheOtherDevicesOfTheUser() {
    int reads = 30;
    String conversation = NODE.group("quin", "rex");
    TestDevice rex = NODE.device("rex");
    rex.connectAndSync();
    for (int i = 1; i <= reads; i++) {
      rex.send(new JsonObject().put("type", "send").put("id", i).put("conversation_id", conversation)
          .put("client_msg_id", "r-" + i).put("body", new JsonObject().put("n", i)));
    }
    rex.awaitFrame(f -> Integer.valueOf(reads).equals(f.getValue("id")));
    TestDevice laptop = NODE.device("quin");
    TestDevice phone = NODE.device("quin");
    laptop.connectAndSync();
    phone.connectAndSync();
    long before = NODE.server().metrics().readPropagation.count();

    for (int upTo = 1; upTo <= reads; upTo++) {
      int from = phone.frames().size();
      laptop.send(new JsonObject().put("type", "read").put("conversation_id", conversation).put("up_to", upTo));
      long expected = upTo;
      phone.awaitFrame(from, f -> "read_state".equals(f.getString("kind"))
          && f.getJsonObject("data").getLong("read_up_to") == expected);
    }

    assertEquals(reads, phone.events().stream().filter(e -> "read_state".equals(e.getString("kind"))).count());
    assertEquals(before + reads, NODE.server().metrics().readPropagation.count(), "each propagation is timed once");
  }

  private static JsonObject conversationState(String user, String conversation) {
    return NODE.request(HttpMethod.GET, "/v1/conversations", NODE.token(user), null).bodyAsJsonObject()
        .getJsonArray("conversations").stream().map(JsonObject.class::cast)
        .filter(c -> c.getString("conversation_id").equals(conversation)).findFirst().orElseThrow();
  }

  /** A live event and the same event paged from the log are the same frame, timestamp included. */
  @Test
  void readStateEventsCarryTheSameTimestampLiveAndReplayed() {
    String conversation = NODE.group("tia", "udo");
    TestDevice udo = NODE.device("udo");
    udo.connectAndSync();
    for (int i = 0; i < 20; i++) {
      udo.sendMessage(conversation, "ts-" + i, "m" + i);
    }
    TestDevice phone = NODE.device("tia");
    TestDevice laptop = NODE.device("tia");
    phone.connectAndSync();
    laptop.connectAndSync();
    long start = laptop.awaitType("synced").getLong("head");
    for (int upTo = 1; upTo <= 20; upTo++) {
      phone.request(new JsonObject().put("type", "read").put("conversation_id", conversation).put("up_to", upTo));
    }
    List<JsonObject> live = laptop.awaitEvents(20).stream().filter(e -> "read_state".equals(e.getString("kind"))).toList();
    assertEquals(20, live.size());
    JsonObject page = laptop.request(new JsonObject().put("type", "sync").put("since", start).put("limit", 100));
    List<JsonObject> replayed = page.getJsonArray("events").stream().map(JsonObject.class::cast)
        .filter(e -> "read_state".equals(e.getString("kind"))).toList();
    assertEquals(live, replayed, "same seq, ts and data whichever way the event came");
  }
}
