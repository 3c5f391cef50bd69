package io.lockstep.sync;

import io.lockstep.test.LockstepNode;
import io.lockstep.test.TestDevice;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Large conversations as streams (fan-out on read), with a threshold of 3 members: a message is
 * written once, every member device reads it once and in order, live and after being offline, next to
 * its user log; a group that grows past the threshold converts without losing or repeating a message;
 * read state stays exact; positions are per device and durable; retention resets a stream.
 */
class StreamsTest {

  private static final JsonObject STREAMS = new JsonObject().put("streams", true);

  @RegisterExtension
  static final LockstepNode NODE = new LockstepNode(LockstepNode.unlimitedSends()
      .put("conversations", new JsonObject().put("stream_threshold", 3)));

  @Test
  void aStreamMessageIsWrittenOnceAndEveryMemberDeviceReadsItOnceInOrderLiveOrLater() {
    String stream = NODE.group("s1-ann", "s1-ben", "s1-cat", "s1-dan");
    TestDevice phone = NODE.device("s1-ann");
    phone.connectAndSync(STREAMS);
    TestDevice laptop = NODE.device("s1-ann");
    laptop.connectAndSync(STREAMS);
    TestDevice ben = NODE.device("s1-ben");
    ben.connectAndSync(STREAMS);
    TestDevice cat = NODE.device("s1-cat");
    cat.connectAndSync(STREAMS);
    cat.disconnect();

    for (int n = 1; n <= 10; n++) {
      JsonObject sent = phone.sendMessage(stream, "m" + n, "hello " + n);
      assertEquals(n, sent.getLong("conv_seq"));
      assertEquals(0, sent.getLong("seq"), "a stream message has no place in the user log");
      assertTrue(sent.getBoolean("stream"));
    }
    assertEquals(0L, NODE.sql("SELECT count(*) AS n FROM user_events WHERE conversation_id = $1", stream)
        .iterator().next().getLong("n"), "no member's log holds a copy");

    for (TestDevice device : List.of(phone, laptop, ben)) {
      List<JsonObject> received = streamEvents(device, stream, 10);
      assertEquals(LongRange.to(10), seqs(received), "each once, in order");
    }
    assertEquals("m3", streamEvents(laptop, stream, 10).get(2).getJsonObject("data").getString("client_msg_id"),
        "the sender's other devices see its client_msg_id");
    assertNull(streamEvents(ben, stream, 10).get(2).getJsonObject("data").getString("client_msg_id"));

    cat.connect();
    JsonObject welcome = cat.hello(STREAMS);
    JsonObject position = welcome.getJsonArray("streams").getJsonObject(0);
    assertEquals(stream, position.getString("conversation_id"));
    assertEquals(0, position.getLong("position"));
    assertEquals(10, position.getLong("head"));
    JsonObject synced = cat.awaitFrame(f -> "synced".equals(f.getString("type")) && stream.equals(f.getString("stream")));
    assertEquals(10, synced.getLong("head"));
    assertEquals(LongRange.to(10), seqs(streamEvents(cat, stream, 10)), "the offline device's backlog");

    TestDevice legacy = NODE.device("s1-dan");
    legacy.connectAndSync();
    assertFalse(legacy.awaitType("welcome").containsKey("streams"), "a client that did not ask for streams gets none");
    sendOne(phone, stream, "m11");
    JsonObject history = legacy.request(new JsonObject().put("type", "sync").put("conversation_id", stream)
        .put("since", 0).put("limit", 100));
    assertEquals(11, history.getJsonArray("events").size(), "it pages the stream's history instead");
    assertTrue(streamEventsNow(legacy, stream).isEmpty());
  }

  private static void sendOne(TestDevice device, String stream, String key) {
    assertEquals("sent", device.sendMessage(stream, key, key).getString("type"));
  }

  @Test
  void oneDevicesCatchUpCarriesItsLogAndItsStreamsInterleavedWithNothingLostOrDoubled() {
    String stream = NODE.group("s2-ann", "s2-ben", "s2-cat", "s2-dan");
    String direct = direct("s2-ann", "s2-ben");
    TestDevice ann = NODE.device("s2-ann");
    ann.connectAndSync(STREAMS);
    TestDevice ben = NODE.device("s2-ben");
    ben.connectAndSync(STREAMS);
    ben.disconnect();
    for (int n = 1; n <= 12; n++) {
      ann.sendMessage(n % 2 == 0 ? stream : direct, "i" + n, "interleaved " + n);
    }

    ben.connect();
    ben.hello(STREAMS.copy().put("batch", true));
    ben.awaitFrame(f -> "synced".equals(f.getString("type")) && stream.equals(f.getString("stream")));
    List<JsonObject> logMessages = new ArrayList<>();
    List<JsonObject> streamMessages = new ArrayList<>();
    for (JsonObject event : allEvents(ben)) {
      if (!"message".equals(event.getString("kind"))) {
        continue;
      }
      (event.getString("stream") == null ? logMessages : streamMessages).add(event);
    }
    assertEquals(LongRange.to(6), convSeqs(logMessages), "the direct conversation's six, from the log");
    assertEquals(LongRange.to(6), seqs(streamMessages), "the stream's six, from the stream");
    int logSynced = indexOf(ben, f -> "synced".equals(f.getString("type")) && f.getString("stream") == null);
    int firstStream = indexOf(ben, f -> stream.equals(f.getString("stream")));
    assertTrue(logSynced < firstStream, "the log's catch-up comes first, then the streams'");

    assertEquals(6, ben.request(new JsonObject().put("type", "ack").put("stream", stream).put("up_to", 6))
        .getLong("cursor"));
    ben.disconnect();
    ben.connect();
    JsonObject welcome = ben.hello(STREAMS);
    assertEquals(6, welcome.getJsonArray("streams").getJsonObject(0).getLong("position"), "the position is durable");
    ben.awaitFrame(f -> "synced".equals(f.getString("type")) && stream.equals(f.getString("stream")));
    assertTrue(streamEventsNow(ben, stream).isEmpty(), "nothing acked arrives again");
    ann.sendMessage(stream, "after", "live after the reconnect");
    assertEquals(List.of(7L), seqs(streamEvents(ben, stream, 1)));
  }

  @Test
  void aGroupThatGrowsPastTheThresholdDuringTrafficConvertsWithoutLosingOrRepeatingAMessage() {
    String group = NODE.group("s3-ann", "s3-ben", "s3-cat");
    TestDevice ann = NODE.device("s3-ann");
    ann.connectAndSync(STREAMS);
    TestDevice ben = NODE.device("s3-ben");
    ben.connectAndSync(STREAMS);
    TestDevice offline = NODE.device("s3-cat");
    offline.connectAndSync(STREAMS);
    offline.disconnect();

    for (int n = 1; n <= 40; n++) {
      ann.send(new JsonObject().put("type", "send").put("id", "c" + n).put("conversation_id", group)
          .put("client_msg_id", "c" + n).put("body", new JsonObject().put("n", n)));
      if (n == 15) {
        ann.awaitFrame(f -> "c1".equals(f.getValue("id")));
        assertEquals(200, NODE.request(HttpMethod.POST, "/v1/server/conversations/" + group + "/members/s3-dan",
            LockstepNode.API_KEY, null).statusCode());
      }
    }
    ann.awaitFrame(f -> "c40".equals(f.getValue("id")));
    long streamFrom = NODE.sql("SELECT stream_from FROM conversations WHERE conversation_id = $1", group)
        .iterator().next().getLong("stream_from");
    assertTrue(streamFrom > 1 && streamFrom <= 41, "converted during the traffic: " + streamFrom);

    offline.connect();
    offline.hello(STREAMS);
    for (TestDevice device : List.of(ben, offline)) {
      if (streamFrom <= 40) {
        device.awaitFrame(f -> group.equals(f.getString("stream")) && f.getLong("seq", 0L) == 40);
      }
      List<Long> fromLog = new ArrayList<>();
      List<Long> fromStream = new ArrayList<>();
      for (JsonObject event : allEvents(device)) {
        if ("message".equals(event.getString("kind"))) {
          (event.getString("stream") == null ? fromLog : fromStream).add(event.getJsonObject("data").getLong("conv_seq"));
        }
      }
      assertEquals(LongRange.between(1, streamFrom - 1), fromLog, "before the conversion, from the log");
      assertEquals(LongRange.between(streamFrom, 40), fromStream, "from the conversion on, from the stream");
      JsonObject converted = device.awaitFrame(f -> "conversation".equals(f.getString("kind"))
          && "converted".equals(f.getJsonObject("data").getString("action")));
      assertEquals(streamFrom, converted.getJsonObject("data").getJsonObject("conversation").getLong("stream_from"));
    }
  }

  @Test
  void readStateAndUnreadCountsStayExactAndAStreamSendsNoReceipts() {
    String stream = NODE.group("s4-ann", "s4-ben", "s4-cat", "s4-dan");
    TestDevice ann = NODE.device("s4-ann");
    ann.connectAndSync(STREAMS);
    TestDevice benPhone = NODE.device("s4-ben");
    benPhone.connectAndSync(STREAMS);
    TestDevice benLaptop = NODE.device("s4-ben");
    benLaptop.connectAndSync(STREAMS);
    for (int n = 1; n <= 8; n++) {
      ann.sendMessage(stream, "r" + n, "read me " + n);
    }
    streamEvents(benPhone, stream, 8);
    JsonObject read = benPhone.request(new JsonObject().put("type", "read").put("conversation_id", stream).put("up_to", 5));
    assertEquals(3, read.getLong("unread"));
    assertEquals(3, read.getLong("total_unread"));
    JsonObject onLaptop = benLaptop.awaitFrame(f -> "read_state".equals(f.getString("kind")));
    assertEquals(5, onLaptop.getJsonObject("data").getLong("read_up_to"));
    assertEquals(3, onLaptop.getJsonObject("data").getLong("unread"));

    TestDevice fresh = NODE.device("s4-ben");
    fresh.connect();
    fresh.hello(STREAMS);
    JsonObject snapshot = fresh.awaitType("snapshot");
    JsonObject entry = snapshot.getJsonArray("conversations").getJsonObject(0);
    assertTrue(entry.getBoolean("stream"));
    assertEquals(4, entry.getInteger("member_count"));
    assertFalse(entry.containsKey("members"), "a stream's snapshot does not list its members");
    assertEquals(3, entry.getLong("unread"));
    assertEquals(8, entry.getJsonArray("last_messages").size());
    fresh.awaitFrame(f -> "synced".equals(f.getString("type")) && stream.equals(f.getString("stream")));
    assertTrue(streamEventsNow(fresh, stream).isEmpty(), "a new device starts each stream at its snapshot's head");

    ann.sendMessage(stream, "r9", "one more");
    assertEquals(9, streamEvents(fresh, stream, 1).get(0).getLong("seq"));
    assertEquals(0L, NODE.sql("SELECT count(*) AS n FROM user_events WHERE user_id = 's4-ann' AND kind = 'receipt'")
        .iterator().next().getLong("n"), "no receipts in a stream");
  }

  @Test
  void membershipOfAStreamTouchesOnlyTheLogsConcernedAndMembersCanBePaged() {
    List<String> members = IntStream.rangeClosed(1, 5).mapToObj(i -> "s5-u" + i).toList();
    String stream = NODE.group(members.toArray(String[]::new));
    TestDevice first = NODE.device("s5-u1");
    first.connectAndSync(STREAMS);
    TestDevice joiner = NODE.device("s5-new");
    joiner.connectAndSync(STREAMS);
    first.sendMessage(stream, "before", "before you joined");
    JsonObject added = first.request(new JsonObject().put("type", "conversation.add_member")
        .put("conversation_id", stream).put("user_id", "s5-new"));
    assertEquals(6, added.getJsonObject("conversation").getInteger("member_count"));
    JsonObject joined = joiner.awaitFrame(f -> "conversation".equals(f.getString("kind")));
    assertEquals("member_added", joined.getJsonObject("data").getString("action"));
    first.sendMessage(stream, "after", "after you joined");
    assertEquals(List.of(2L), seqs(streamEvents(joiner, stream, 1)), "the joiner's stream starts where it joined");
    assertEquals(1L, NODE.sql("SELECT count(*) AS n FROM user_events WHERE user_id = 's5-u3' AND kind = 'conversation'")
        .iterator().next().getLong("n"), "the other members heard only of the creation");

    JsonObject page = NODE.request(HttpMethod.GET, "/v1/conversations/" + stream + "/members?limit=4",
        NODE.token("s5-u2"), null).bodyAsJsonObject();
    assertEquals(new JsonArray(List.of("s5-new", "s5-u1", "s5-u2", "s5-u3")), page.getJsonArray("members"));
    assertTrue(page.getBoolean("has_more"));
    JsonObject rest = NODE.request(HttpMethod.GET, "/v1/conversations/" + stream + "/members?after=s5-u3",
        NODE.token("s5-u2"), null).bodyAsJsonObject();
    assertEquals(new JsonArray(List.of("s5-u4", "s5-u5")), rest.getJsonArray("members"));
    assertEquals(403, NODE.request(HttpMethod.GET, "/v1/conversations/" + stream + "/members",
        NODE.token("s5-outsider"), null).statusCode());
    JsonObject listed = NODE.request(HttpMethod.GET, "/v1/conversations", NODE.token("s5-u2"), null).bodyAsJsonObject()
        .getJsonArray("conversations").getJsonObject(0);
    assertTrue(listed.getBoolean("stream"));
    assertEquals(6, listed.getInteger("member_count"));
    assertFalse(listed.containsKey("members"), "a stream's listing does not carry its members");

    first.request(new JsonObject().put("type", "conversation.remove_member").put("conversation_id", stream)
        .put("user_id", "s5-new"));
    joiner.awaitFrame(f -> "conversation".equals(f.getString("kind"))
        && "member_removed".equals(f.getJsonObject("data").getString("action")));
    first.sendMessage(stream, "gone", "after you left");
    first.sendMessage(stream, "gone2", "still after you left");
    streamEvents(first, stream, 4);
    assertEquals(List.of(2L), seqs(streamEventsNow(joiner, stream)), "a member who left reads no more");
  }

  @Test
  void concurrentSendersToAStreamCommitTogetherOnceEachWithDuplicatesAnsweredAndCursorsExact() {
    List<String> users = IntStream.range(0, 6).mapToObj(i -> "s8-u" + i).toList();
    String stream = NODE.group(users.toArray(String[]::new));
    List<TestDevice> senders = new ArrayList<>();
    for (String user : users) {
      TestDevice device = NODE.device(user);
      device.connectAndSync(STREAMS);
      senders.add(device);
    }
    TestDevice secondTab = NODE.device("s8-u0").withDeviceId(senders.get(0).deviceId());
    secondTab.connectAndSync(STREAMS);
    int each = 30;
    for (int n = 0; n < each; n++) {
      for (int s = 0; s < senders.size(); s++) {
        senders.get(s).send(new JsonObject().put("type", "send").put("id", "s" + n).put("conversation_id", stream)
            .put("client_msg_id", "k" + s + "-" + n).put("body", new JsonObject().put("n", n)));
      }
      secondTab.send(new JsonObject().put("type", "send").put("id", "t" + n).put("conversation_id", stream)
          .put("client_msg_id", "k0-" + n).put("body", new JsonObject().put("n", n)));
    }
    for (TestDevice sender : senders) {
      sender.awaitFrame(f -> ("s" + (each - 1)).equals(f.getValue("id")));
    }
    secondTab.awaitFrame(f -> ("t" + (each - 1)).equals(f.getValue("id")));
    int total = users.size() * each;
    assertEquals((long) total, NODE.sql("SELECT count(*) AS n FROM messages WHERE conversation_id = $1", stream)
        .iterator().next().getLong("n"), "the second tab's repeats wrote nothing");
    for (int n = 0; n < each; n++) {
      String sId = "s" + n;
      String tId = "t" + n;
      JsonObject first = senders.get(0).awaitFrame(f -> sId.equals(f.getValue("id")));
      JsonObject again = secondTab.awaitFrame(f -> tId.equals(f.getValue("id")));
      assertEquals(first.getLong("conv_seq"), again.getLong("conv_seq"), "one message, answered to both tabs");
      assertTrue(first.getBoolean("duplicate") ^ again.getBoolean("duplicate"));
    }

    List<JsonObject> received = streamEvents(senders.get(5), stream, total);
    assertEquals(LongRange.to(total), seqs(received), "gap-free, each once, in order");
    int[] next = new int[users.size()];
    for (JsonObject event : received) {
      String sender = event.getJsonObject("data").getJsonObject("sender").getString("user_id");
      int s = users.indexOf(sender);
      assertEquals(next[s]++, event.getJsonObject("data").getJsonObject("body").getInteger("n"),
          sender + "'s messages keep the order it sent them in");
    }
    for (String user : users) {
      long lastOwn = received.stream().filter(e -> user.equals(e.getJsonObject("data").getJsonObject("sender")
          .getString("user_id"))).mapToLong(e -> e.getLong("seq")).max().orElseThrow();
      assertEquals(lastOwn, NODE.sql("SELECT read_up_to FROM conversation_members WHERE conversation_id = $1 AND user_id = $2",
          stream, user).iterator().next().getLong("read_up_to"), user + " has read up to its own last message");
    }
  }

  @Test
  void theServerApiAddsManyMembersToAStreamEachHearingOnlyOfItself() {
    String stream = NODE.group("s9-a", "s9-b", "s9-c", "s9-d");
    List<String> joining = IntStream.range(0, 50).mapToObj(i -> "s9-new" + i).toList();
    JsonObject added = NODE.request(HttpMethod.POST, "/v1/server/conversations/" + stream + "/members",
        LockstepNode.API_KEY, new JsonObject().put("user_ids", new JsonArray(new ArrayList<>(joining))
            .add("s9-a").add("s9-new0"))).bodyAsJsonObject();
    assertEquals(50, added.getInteger("added"), "members already in, and repeats, are left alone");
    assertEquals(54, added.getJsonObject("conversation").getInteger("member_count"));
    JsonObject event = NODE.sql("SELECT data FROM user_events WHERE user_id = 's9-new7' AND kind = 'conversation'")
        .iterator().next().getJsonObject("data");
    assertEquals("member_added", event.getString("action"));
    assertEquals("s9-new7", event.getString("user_id"));
    assertFalse(event.containsKey("user_ids"), "no event carries the whole list");
    assertEquals(0L, NODE.sql("SELECT count(*) AS n FROM user_events WHERE user_id = 's9-b' AND kind = 'conversation' "
        + "AND data->>'action' = 'member_added'").iterator().next().getLong("n"), "the members already in hear nothing");
  }

  @Test
  void badStreamAcksAreRefusedAndChangeNothing() {
    String stream = NODE.group("s6-ann", "s6-ben", "s6-cat", "s6-dan");
    String small = NODE.group("s6-ann", "s6-ben");
    TestDevice ann = NODE.device("s6-ann");
    ann.connectAndSync(STREAMS);
    ann.sendMessage(stream, "one", "one");
    assertEquals("cursor_ahead", ann.request(ack(stream, 2)).getString("code"));
    assertEquals("not_member", ann.request(ack(small, 1)).getString("code"), "a small conversation is no stream");
    assertEquals("not_member", ann.request(ack("no-such-conversation", 1)).getString("code"));
    TestDevice outsider = NODE.device("s6-out");
    outsider.connectAndSync(STREAMS);
    assertEquals("not_member", outsider.request(ack(stream, 1)).getString("code"));
    assertEquals("invalid_field", ann.request(ack(stream, -1)).getString("code"));
    ann.send(ack("made-up-stream", 1));
    JsonObject quiet = ann.awaitFrame(f -> "error".equals(f.getString("type")) && f.getValue("id") == null);
    assertEquals("not_member", quiet.getString("code"), "a quiet ack of a stream this session does not read is checked too");
    assertEquals(0L, NODE.sql("SELECT count(*) AS n FROM stream_positions WHERE conversation_id = $1", stream)
        .iterator().next().getLong("n"), "nothing was stored");
    assertEquals(1, ann.request(ack(stream, 1)).getLong("cursor"));
    assertEquals(1, ann.request(ack(stream, 0)).getLong("cursor"), "a position never moves back");

    JsonObject tooMany = new JsonObject().put("user_ids", new JsonArray(
        IntStream.rangeClosed(0, 10_000).mapToObj(i -> "x" + i).toList()));
    assertEquals(400, NODE.request(HttpMethod.POST, "/v1/server/conversations/" + stream + "/members",
        LockstepNode.API_KEY, tooMany).statusCode());
  }

  @Test
  void retentionOfAStreamResetsADeviceBehindItToTheOldestMessageKept() {
    String stream = NODE.group("s7-ann", "s7-ben", "s7-cat", "s7-dan");
    TestDevice ann = NODE.device("s7-ann");
    ann.connectAndSync(STREAMS);
    TestDevice ben = NODE.device("s7-ben");
    ben.connectAndSync(STREAMS);
    ben.disconnect();
    for (int n = 1; n <= 5; n++) {
      ann.sendMessage(stream, "old" + n, "old " + n);
    }
    NODE.sql("UPDATE messages SET created_at = now() - interval '2 days' WHERE conversation_id = $1", stream);
    NODE.sql("SELECT lockstep_prune(0, interval '1 day', 1000)");
    ann.sendMessage(stream, "new6", "new 6");

    ben.connect();
    ben.hello(STREAMS);
    JsonObject reset = ben.awaitFrame(f -> "stream_reset".equals(f.getString("type")));
    assertEquals(stream, reset.getString("stream"));
    assertEquals(5, reset.getLong("head"), "it continues before the oldest message kept");
    assertEquals(List.of(6L), seqs(streamEvents(ben, stream, 1)));
  }

  // ---- helpers

  private static String direct(String a, String b) {
    return NODE.request(HttpMethod.POST, "/v1/server/conversations", LockstepNode.API_KEY, new JsonObject()
            .put("kind", "direct").put("members", new JsonArray(List.of(a, b))))
        .bodyAsJsonObject().getJsonObject("conversation").getString("conversation_id");
  }

  private static JsonObject ack(String stream, long upTo) {
    return new JsonObject().put("type", "ack").put("stream", stream).put("up_to", upTo);
  }

  /** Waits for count events of the stream and answers all its events received so far. */
  private static List<JsonObject> streamEvents(TestDevice device, String stream, int count) {
    device.awaitFrame(f -> streamEventsNow(device, stream).size() >= count);
    return streamEventsNow(device, stream);
  }

  private static List<JsonObject> streamEventsNow(TestDevice device, String stream) {
    return allEvents(device).stream().filter(e -> stream.equals(e.getString("stream"))).toList();
  }

  /** Every event received, single frames and batched ones, in arrival order. */
  private static List<JsonObject> allEvents(TestDevice device) {
    List<JsonObject> events = new ArrayList<>();
    for (JsonObject frame : device.frames()) {
      if ("event".equals(frame.getString("type"))) {
        events.add(frame);
      } else if ("events".equals(frame.getString("type")) && frame.getValue("id") == null) {
        frame.getJsonArray("events").forEach(event -> events.add((JsonObject) event));
      }
    }
    return events;
  }

  private static int indexOf(TestDevice device, java.util.function.Predicate<JsonObject> match) {
    List<JsonObject> frames = device.frames();
    for (int i = 0; i < frames.size(); i++) {
      JsonObject frame = frames.get(i);
      boolean batchMatches = "events".equals(frame.getString("type")) && frame.getJsonArray("events").stream()
          .anyMatch(event -> match.test((JsonObject) event));
      if (match.test(frame) || batchMatches) {
        return i;
      }
    }
    return -1;
  }

  private static List<Long> seqs(List<JsonObject> events) {
    return events.stream().map(e -> e.getLong("seq")).toList();
  }

  private static List<Long> convSeqs(List<JsonObject> events) {
    return events.stream().map(e -> e.getJsonObject("data").getLong("conv_seq")).toList();
  }

  /** Ascending runs of conv_seqs. */
  private static final class LongRange {
    static List<Long> to(long last) {
      return between(1, last);
    }

    static List<Long> between(long first, long last) {
      List<Long> range = new ArrayList<>();
      for (long n = first; n <= last; n++) {
        range.add(n);
      }
      return range;
    }
  }
}
