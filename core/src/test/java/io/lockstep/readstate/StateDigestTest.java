package io.lockstep.readstate;

import io.lockstep.test.DigestModel;
import io.lockstep.test.LockstepNode;
import io.lockstep.test.TestDevice;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The state digest: every stamp the server writes equals what a device computes from the frames it
 * received, through reads, marks, own messages, settings, joins, leaves and a conversion to a stream;
 * a device whose state drifted is told at the next stamped event and repaired by one state frame,
 * written in its place among the events.
 */
class StateDigestTest {

  @RegisterExtension
  static final LockstepNode NODE = new LockstepNode(LockstepNode.unlimitedSends()
      .put("conversations", new JsonObject().put("stream_threshold", 4)));

  @Test
  void everyStampEqualsTheDigestADeviceComputesFromWhatItReceived() {
    String chat = NODE.group("ann", "bob");
    TestDevice watcher = NODE.device("ann");
    watcher.connectAndSync();
    DigestModel model = new DigestModel("ann");
    int checked = 0;
    JsonObject snapshot = watcher.awaitType("snapshot");
    model.applySnapshot(snapshot);
    assertEquals(snapshot.getString("state_digest"), model.digest());

    TestDevice phone = NODE.device("ann");
    phone.connectAndSync();
    TestDevice bob = NODE.device("bob");
    bob.connectAndSync();
    for (int i = 1; i <= 3; i++) {
      bob.sendMessage(chat, "b" + i, "hello " + i);
    }
    read(phone, chat, 2);
    assertEquals("result", phone.request(new JsonObject().put("type", "mark_unread").put("conversation_id", chat))
        .getString("type"));
    phone.sendMessage(chat, "a1", "mine");
    for (int i = 0; i < 20; i++) {
      phone.send(new JsonObject().put("type", "send").put("id", "burst-" + i).put("conversation_id", chat)
          .put("client_msg_id", "burst-" + i).put("body", new JsonObject().put("text", "one of a burst")));
      bob.send(new JsonObject().put("type", "send").put("id", "bob-burst-" + i).put("conversation_id", chat)
          .put("client_msg_id", "bob-burst-" + i).put("body", new JsonObject().put("text", "and bob's")));
    }
    phone.awaitFrame(f -> "burst-19".equals(f.getValue("id")));
    bob.awaitFrame(f -> "bob-burst-19".equals(f.getValue("id")));
    bob.sendMessage(chat, "b-after", "after the burst");
    setAccount(phone, "conversation." + chat + ".muted", true);
    setAccount(phone, "conversation." + chat + ".muted", false);

    String later = NODE.group("bob", "cal");
    bob.sendMessage(later, "b-later-1", "before ann joined");
    bob.sendMessage(later, "b-later-2", "before ann joined");
    addMember(later, "ann");
    read(phone, chat, 45);
    removeMember(later, "ann");

    String growing = NODE.group("ann", "bob", "cal");
    bob.sendMessage(growing, "b-grow-1", "small still");
    read(phone, growing, 1);
    addMember(growing, "dan");
    addMember(growing, "eve");
    setAccount(phone, "privacy.read_receipts", true);

    JsonObject last = phone.request(new JsonObject().put("type", "settings.set").put("scope", "account")
        .put("key", "conversation." + chat + ".pinned").put("value", true));
    long lastVersion = last.getLong("version");
    watcher.awaitFrame(f -> "settings".equals(f.getString("kind"))
        && ("conversation." + chat + ".pinned").equals(f.getJsonObject("data").getString("key"))
        && f.getJsonObject("data").getLong("version") == lastVersion);
    for (JsonObject event : watcher.events()) {
      model.applyEvent(event);
      String stamp = event.getJsonObject("data").getString("state_digest");
      if (stamp != null) {
        assertEquals(stamp, model.digest(), "after event " + event.encode());
        checked++;
      }
    }
    assertEquals(8, checked, "stamped events checked (a read up to your own message changes nothing)");
    assertTrue(model.readUpTo(later) == 0, "a conversation left is no longer in the state");
    assertEquals(model.digest(), NODE.sql("SELECT lockstep_digest_hex(state_digest) AS d FROM users WHERE user_id = 'ann'")
        .iterator().next().getString("d"));

    TestDevice fresh = NODE.device("ann");
    fresh.connectAndSync();
    assertEquals(model.digest(), fresh.awaitType("snapshot").getString("state_digest"),
        "a new device's snapshot carries the same digest");
  }

  @Test
  void aDriftedDeviceIsToldAtTheNextStampAndRepairedInItsPlaceInTheLog() throws Exception {
    String chat = NODE.group("fay", "gus");
    String other = NODE.group("fay", "gus");
    TestDevice gus = NODE.device("gus");
    gus.connectAndSync();
    gus.sendMessage(chat, "g1", "one");
    gus.sendMessage(other, "g2", "two");
    TestDevice laptop = NODE.device("fay");
    laptop.connectAndSync();
    DigestModel model = new DigestModel("fay");
    model.applySnapshot(laptop.awaitType("snapshot"));
    read(laptop, other, 1);
    TestDevice phone = NODE.device("fay");
    phone.connectAndSync();

    model.corruptRead(other, 0);
    int before = laptop.frames().size();
    read(phone, chat, 1);
    JsonObject stamped = laptop.awaitFrame(before, f -> "read_state".equals(f.getString("kind")));
    model.applyEvent(stamped);
    String local = model.digest();
    assertNotEquals(stamped.getJsonObject("data").getString("state_digest"), local,
        "the drift shows at the first stamped event after it");

    CompletableFuture<Void> traffic = CompletableFuture.runAsync(() -> {
      for (int i = 0; i < 30; i++) {
        gus.sendMessage(chat, "busy-" + i, "meanwhile " + i);
      }
    });
    JsonObject state = laptop.request(new JsonObject().put("type", "repair").put("digest", local));
    traffic.get(30, TimeUnit.SECONDS);
    assertEquals("state", state.getString("type"), state.encode());
    assertTrue(state.getBoolean("diverged"));
    model.applyState(state);
    assertEquals(state.getString("state_digest"), model.digest());
    assertEquals(1, model.readUpTo(other), "the drifted cursor is back");

    List<JsonObject> frames = laptop.frames();
    int at = frames.indexOf(state);
    long seq = state.getLong("seq");
    JsonObject previous = frames.subList(0, at).stream().filter(f -> "event".equals(f.getString("type")))
        .reduce((first, second) -> second).orElseThrow();
    assertEquals(seq, previous.getLong("seq"), "the state comes right after the event it reflects");
    JsonObject next = laptop.awaitFrame(at, f -> "event".equals(f.getString("type")) && f.getLong("seq") > seq);
    assertEquals(seq + 1, next.getLong("seq"), "and right before the next one");

    JsonObject devices = NODE.request(HttpMethod.GET, "/v1/devices", NODE.token("fay"), null).bodyAsJsonObject();
    JsonObject listed = devices.getJsonArray("devices").stream().map(JsonObject.class::cast)
        .filter(d -> d.getString("device_id").equals(laptop.deviceId())).findFirst().orElseThrow();
    assertEquals(1, listed.getInteger("divergences"));
  }

  @Test
  void aRepairWithABadDigestOrTooSoonIsRefusedAndChangesNothing() {
    String chat = NODE.group("hal", "ivy");
    TestDevice hal = NODE.device("hal");
    hal.connectAndSync();
    JsonObject bad = hal.request(new JsonObject().put("type", "repair").put("digest", "XYZ"));
    assertEquals("invalid_field", bad.getString("code"));
    JsonObject state = hal.request(new JsonObject().put("type", "repair"));
    assertEquals("state", state.getString("type"));
    assertFalse(state.getBoolean("diverged"), "no digest given, nothing to compare");
    assertEquals(new JsonArray().add(new JsonObject().put("conversation_id", chat).put("read_up_to", 0)
        .put("marked_unread", false).put("unread", 0)), state.getJsonArray("conversations"));
    JsonObject again = hal.request(new JsonObject().put("type", "repair"));
    assertEquals("rate_limited", again.getString("code"));
    assertEquals("repairs_connection", again.getString("limit"));
    assertEquals(0, NODE.sql("SELECT divergences FROM devices WHERE device_id = $1", hal.deviceId())
        .iterator().next().getInteger("divergences"));
  }

  private static void read(TestDevice device, String conversation, long upTo) {
    JsonObject result = device.request(new JsonObject().put("type", "read").put("conversation_id", conversation)
        .put("up_to", upTo));
    assertEquals("result", result.getString("type"), result.encode());
  }

  private static void setAccount(TestDevice device, String key, Object value) {
    JsonObject result = device.request(new JsonObject().put("type", "settings.set").put("scope", "account")
        .put("key", key).put("value", value));
    assertEquals("result", result.getString("type"), result.encode());
  }

  private static void addMember(String conversation, String user) {
    assertEquals(200, NODE.request(HttpMethod.POST, "/v1/server/conversations/" + conversation + "/members/" + user,
        LockstepNode.API_KEY, null).statusCode());
  }

  private static void removeMember(String conversation, String user) {
    assertEquals(200, NODE.request(HttpMethod.DELETE, "/v1/server/conversations/" + conversation + "/members/" + user,
        LockstepNode.API_KEY, null).statusCode());
  }
}
