package io.lockstep.settings;

import io.lockstep.test.LockstepNode;
import io.lockstep.test.TestDevice;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Account settings reach every device, device settings stay on their device, and two devices that
 * change the same setting while apart converge by the key's policy. The classic case for each policy:
 * the phone, offline, changes a setting; the laptop changes it online; then the phone comes back.
 */
class SettingsTest {

  private static JsonObject key(String pattern, String policy, Object defaultValue, String... scopes) {
    return new JsonObject().put("pattern", pattern).put("policy", policy).put("default", defaultValue)
        .put("scopes", new JsonArray(List.of((Object[]) scopes)));
  }

  @RegisterExtension
  static final LockstepNode NODE = new LockstepNode(new JsonObject().put("settings", new JsonObject()
      .put("max_clock_skew", "1m")
      .put("keys", new JsonArray()
          .add(key("conversation.*.muted", "lww", false, "account", "device"))
          .add(key("arrival.*.muted", "arrival", false, "account", "device"))
          .add(key("stale.*.muted", "reject-stale", false, "account", "device"))
          .add(key("limits.volume", "max", 0, "account"))
          .add(key("conversations.pinned", "union", new JsonArray(), "account"))
          .add(key("privacy.read_receipts", "lww", true, "account"))
          .add(key("notifications.sound", "lww", "default", "device"))
          .add(key("ghost.*", "no-such-policy", null, "account")))));

  @Test
  void anAccountSettingReachesEveryDeviceAndADeviceSettingStaysOnItsDevice() {
    TestDevice phone = NODE.device("ada");
    TestDevice laptop = NODE.device("ada");
    phone.connectAndSync();
    laptop.connectAndSync();

    JsonObject set = phone.request(setFrame("account", "conversation.c1.muted", true));
    assertEquals("result", set.getString("type"));
    assertEquals(1, set.getLong("version"));
    JsonObject event = laptop.awaitFrame(f -> "settings".equals(f.getString("kind")));
    assertEquals("conversation.c1.muted", event.getJsonObject("data").getString("key"));
    assertEquals(true, event.getJsonObject("data").getValue("value"));
    assertEquals(phone.deviceId(), event.getJsonObject("data").getString("device_id"));
    assertTrue(event.getJsonObject("data").getLong("server_hlc") > 0, "events carry the server's clock");

    JsonObject local = phone.request(setFrame("device", "notifications.sound", "chime"));
    assertEquals("chime", local.getValue("effective"));
    phone.request(new JsonObject().put("type", "ping"));
    laptop.request(new JsonObject().put("type", "ping"));
    assertTrue(laptop.events().stream().noneMatch(e -> "settings".equals(e.getString("kind"))
        && "notifications.sound".equals(e.getJsonObject("data").getString("key"))), "device settings never reach other devices");
    assertEquals("chime", effective(phone, "notifications.sound"));
    assertEquals("default", effective(laptop, "notifications.sound"));

    TestDevice tablet = NODE.device("ada");
    tablet.connectAndSync();
    JsonObject snapshotSettings = tablet.awaitType("snapshot").getJsonObject("settings");
    assertEquals(true, snapshotSettings.getJsonObject("effective").getValue("conversation.c1.muted"));
    assertEquals("default", snapshotSettings.getJsonObject("effective").getValue("notifications.sound"));
  }

  @Test
  void aDeviceOverrideSurvivesAccountChangesWhichAreRecordedAsShadowed() {
    TestDevice phone = NODE.device("bea");
    TestDevice laptop = NODE.device("bea");
    phone.connectAndSync();
    laptop.connectAndSync();
    phone.request(setFrame("device", "conversation.c2.muted", false));
    double shadowedBefore = NODE.server().metrics().settingsShadowed.count();

    JsonObject set = laptop.request(setFrame("account", "conversation.c2.muted", true));
    assertEquals(new JsonArray().add(phone.deviceId()), set.getJsonArray("shadowed_on"));
    JsonObject onPhone = phone.awaitFrame(f -> "settings".equals(f.getString("kind")));
    assertEquals(new JsonArray().add(phone.deviceId()), onPhone.getJsonObject("data").getJsonArray("shadowed_on"));
    assertEquals(shadowedBefore + 1, NODE.server().metrics().settingsShadowed.count());

    JsonObject phoneView = phone.request(new JsonObject().put("type", "settings.get")
        .put("keys", new JsonArray().add("conversation.c2.muted")));
    assertEquals(true, phoneView.getJsonObject("account").getJsonObject("conversation.c2.muted").getValue("value"));
    assertEquals(false, phoneView.getJsonObject("device").getJsonObject("conversation.c2.muted").getValue("value"));
    assertEquals(false, phoneView.getJsonObject("effective").getValue("conversation.c2.muted"), "mute on this device only");
    assertEquals(true, effective(laptop, "conversation.c2.muted"));
  }

  @Test
  void lwwKeepsTheWriteMadeLastEvenWhenItArrivesFirst() {
    Converged result = classicCase("cal", "conversation.c1.muted", true, false);
    assertEquals("conflict", result.phoneAnswer().getString("code"), "the older offline edit loses");
    assertEquals(false, result.phoneAnswer().getJsonObject("current").getValue("value"));
    assertEquals(false, result.value());
  }

  @Test
  void arrivalKeepsTheWriteThatReachedTheServerLast() {
    Converged result = classicCase("dan", "arrival.c1.muted", true, false);
    assertEquals("result", result.phoneAnswer().getString("type"));
    assertEquals(true, result.value());
  }

  @Test
  void rejectStaleRefusesAWriteBasedOnAnOlderVersion() {
    Converged result = classicCase("eli", "stale.c1.muted", true, false);
    assertEquals("conflict", result.phoneAnswer().getString("code"));
    assertEquals(1, result.phoneAnswer().getJsonObject("current").getLong("version"));
    assertEquals(false, result.value());
    TestDevice phone = result.phone();
    JsonObject reconciled = phone.request(setFrame("account", "stale.c1.muted", true).put("base_version", 1));
    assertEquals("result", reconciled.getString("type"), "a write based on the current version goes through");
  }

  @Test
  void maxKeepsTheLargerNumber() {
    Converged lower = classicCase("fay", "limits.volume", 5, 7);
    assertEquals(7, ((Number) lower.value()).intValue());
    Converged higher = classicCase("gil", "limits.volume", 9, 7);
    assertEquals(9, ((Number) higher.value()).intValue());
  }

  @Test
  void unionKeepsAnAddTheRemovingDeviceNeverSaw() {
    TestDevice phone = NODE.device("hal");
    TestDevice laptop = NODE.device("hal");
    phone.connectAndSync();
    laptop.connectAndSync();
    JsonObject first = phone.request(setFrame("account", "conversations.pinned",
        new JsonObject().put("add", new JsonArray().add("c1").add("c2"))));
    assertEquals(new JsonArray().add("c1").add("c2"), first.getJsonArray("value"));
    long seen = first.getLong("version");
    phone.disconnect();

    laptop.request(setFrame("account", "conversations.pinned", new JsonObject().put("add", new JsonArray().add("c1").add("c3"))));
    phone.connectAndSync();
    JsonObject offlineEdit = phone.request(setFrame("account", "conversations.pinned",
        new JsonObject().put("remove", new JsonArray().add("c1").add("c2"))).put("base_version", seen));

    assertEquals(new JsonArray().add("c1").add("c3"), offlineEdit.getJsonArray("value"),
        "c2 is gone, c1 survives because the laptop re-added it after the phone last looked");
    assertEquals(effective(phone, "conversations.pinned"), effective(laptop, "conversations.pinned"));
  }

  @Test
  void clientClocksTooFarAheadAreClamped() {
    TestDevice phone = NODE.device("ivy");
    phone.connectAndSync();
    long farFuture = (System.currentTimeMillis() + 3_600_000L) << 16;
    JsonObject set = phone.request(setFrame("account", "conversation.c9.muted", true).put("hlc", farFuture));
    long stamped = set.getLong("hlc") >>> 16;
    assertTrue(stamped <= System.currentTimeMillis() + 61_000, "clamped to at most a minute ahead: " + stamped);
  }

  @Test
  void theServerApiReadsAndWritesAccountSettingsThroughThePolicy() {
    TestDevice laptop = NODE.device("jo");
    laptop.connectAndSync();
    HttpResponse<Buffer> unset = NODE.request(HttpMethod.GET, "/v1/server/users/jo/settings/privacy.read_receipts",
        LockstepNode.API_KEY, null);
    assertEquals(200, unset.statusCode());
    assertEquals(true, unset.bodyAsJsonObject().getValue("value"));
    assertEquals(0, unset.bodyAsJsonObject().getLong("version"));

    HttpResponse<Buffer> put = NODE.request(HttpMethod.PUT, "/v1/server/users/jo/settings/privacy.read_receipts",
        LockstepNode.API_KEY, new JsonObject().put("value", false));
    assertEquals(200, put.statusCode());
    laptop.awaitFrame(f -> "settings".equals(f.getString("kind")) && "privacy.read_receipts".equals(f.getJsonObject("data").getString("key")));
    assertEquals(false, NODE.request(HttpMethod.GET, "/v1/server/users/jo/settings/privacy.read_receipts",
        LockstepNode.API_KEY, null).bodyAsJsonObject().getValue("value"));

    HttpResponse<Buffer> unknown = NODE.request(HttpMethod.PUT, "/v1/server/users/jo/settings/nonsense",
        LockstepNode.API_KEY, new JsonObject().put("value", 1));
    assertEquals(400, unknown.statusCode());
    assertEquals("invalid_field", unknown.bodyAsJsonObject().getString("code"));
    assertEquals(401, NODE.request(HttpMethod.GET, "/v1/server/users/jo/settings/privacy.read_receipts", null, null)
        .statusCode());
  }

  @Test
  void theServerApiWritesASettingOfAUserNeverSeenBefore() {
    HttpResponse<Buffer> put = NODE.request(HttpMethod.PUT, "/v1/server/users/newcomer/settings/privacy.read_receipts",
        LockstepNode.API_KEY, new JsonObject().put("value", false));
    assertEquals(200, put.statusCode(), put.bodyAsString());
    assertEquals(1, put.bodyAsJsonObject().getLong("version"));
    TestDevice first = NODE.device("newcomer");
    first.connectAndSync();
    JsonObject settings = first.request(new JsonObject().put("type", "settings.get")
        .put("keys", new JsonArray().add("privacy.read_receipts")));
    assertEquals(false, settings.getJsonObject("effective").getValue("privacy.read_receipts"));

    HttpResponse<Buffer> longId = NODE.request(HttpMethod.PUT, "/v1/server/users/" + "u".repeat(129)
        + "/settings/privacy.read_receipts", LockstepNode.API_KEY, new JsonObject().put("value", false));
    assertEquals(400, longId.statusCode());
    assertEquals("invalid_field", longId.bodyAsJsonObject().getString("code"));
  }

  @Test
  void everyClockStampAlsoTravelsAsAnExactDecimalString() {
    TestDevice phone = NODE.device("lee");
    TestDevice laptop = NODE.device("lee");
    phone.connectAndSync();
    laptop.connectAndSync();
    long sent = (System.currentTimeMillis() << 16) + 12_345;
    JsonObject set = phone.request(setFrame("account", "conversation.c7.muted", true).put("hlc", Long.toString(sent)));
    assertEquals("result", set.getString("type"), set.encode());
    assertEquals(sent, set.getLong("hlc"), "a decimal-string stamp is read exactly");
    assertEquals(Long.toString(sent), set.getString("hlc_str"));
    assertEquals(Long.toString(set.getLong("server_hlc")), set.getString("server_hlc_str"));
    assertTrue(sent > 1L << 53, "the stamp is one JSON.parse would round");

    JsonObject data = laptop.awaitFrame(f -> "settings".equals(f.getString("kind"))).getJsonObject("data");
    assertEquals(Long.toString(data.getLong("hlc")), data.getString("hlc_str"));
    assertEquals(Long.toString(data.getLong("server_hlc")), data.getString("server_hlc_str"));
    JsonObject got = laptop.request(new JsonObject().put("type", "settings.get"));
    assertEquals(Long.toString(got.getLong("server_hlc")), got.getString("server_hlc_str"));
    assertEquals(Long.toString(sent), got.getJsonObject("account").getJsonObject("conversation.c7.muted").getString("hlc_str"));

    assertInvalid(phone.request(setFrame("account", "conversation.c7.muted", false).put("hlc", "12a")), "hlc");
    assertInvalid(phone.request(setFrame("account", "conversation.c7.muted", false).put("hlc", "99999999999999999999")), "hlc");
  }

  @Test
  void badSettingsWritesAreRefusedAndChangeNothing() {
    TestDevice phone = NODE.device("kim");
    phone.connectAndSync();
    assertInvalid(phone.request(setFrame("account", "no.such.key", 1)), "key");
    assertInvalid(phone.request(setFrame("device", "privacy.read_receipts", false)), "scope");
    assertInvalid(phone.request(setFrame("account", "notifications.sound", "bell")), "scope");
    assertInvalid(phone.request(setFrame("everywhere", "conversation.c1.muted", true)), "scope");
    assertInvalid(phone.request(new JsonObject().put("type", "settings.set").put("scope", "account")
        .put("key", "conversation.c1.muted")), "value");
    assertInvalid(phone.request(setFrame("account", "conversation.c1.muted", true).put("hlc", -5)), "hlc");
    assertInvalid(phone.request(setFrame("account", "limits.volume", "loud")), "value");
    assertInvalid(phone.request(new JsonObject().put("type", "settings.get").put("keys", new JsonArray().add("nope"))), "key");
    JsonObject noPolicy = phone.request(setFrame("account", "ghost.x", 1));
    assertEquals("unavailable", noPolicy.getString("code"));
    assertTrue(noPolicy.getString("message").contains("no-such-policy"));
    assertEquals(0L, NODE.sql("SELECT count(*) AS n FROM account_settings WHERE user_id = 'kim'").iterator().next()
        .getLong("n"));
  }

  private record Converged(TestDevice phone, JsonObject phoneAnswer, Object value) {
  }

  /**
   * The phone goes offline, the laptop writes laptopValue online, the phone comes back and sends
   * the write it made while offline (earlier, by its clock, and based on what it saw then). Both
   * devices must end with the same account value, and the phone's unrelated device-only override
   * must survive.
   */
  private Converged classicCase(String user, String key, Object phoneValue, Object laptopValue) {
    TestDevice phone = NODE.device(user);
    TestDevice laptop = NODE.device(user);
    phone.connectAndSync();
    laptop.connectAndSync();
    phone.request(setFrame("device", "notifications.sound", "quiet"));
    long offlineEditClock = (System.currentTimeMillis() - 30_000) << 16;
    phone.disconnect();

    JsonObject online = laptop.request(setFrame("account", key, laptopValue).put("base_version", 0));
    assertEquals("result", online.getString("type"), online.encode());

    phone.connectAndSync();
    JsonObject answer = phone.request(setFrame("account", key, phoneValue).put("hlc", offlineEditClock)
        .put("base_version", 0));
    laptop.request(new JsonObject().put("type", "ping"));
    Object onPhone = effective(phone, key);
    Object onLaptop = effective(laptop, key);
    assertEquals(onLaptop, onPhone, "both devices converge on one account value");
    assertEquals("quiet", effective(phone, "notifications.sound"), "the device-scoped value is untouched");
    JsonObject lastEvent = laptop.events().stream().filter(e -> "settings".equals(e.getString("kind"))
        && key.equals(e.getJsonObject("data").getString("key"))).reduce((a, b) -> b).orElseThrow();
    assertEquals(onLaptop, lastEvent.getJsonObject("data").getValue("value"), "the log's last word is the converged value");
    return new Converged(phone, answer, onPhone);
  }

  private static Object effective(TestDevice device, String key) {
    JsonObject settings = device.request(new JsonObject().put("type", "settings.get").put("keys", new JsonArray().add(key)));
    assertEquals("settings", settings.getString("type"), settings.encode());
    return settings.getJsonObject("effective").getValue(key);
  }

  private static JsonObject setFrame(String scope, String key, Object value) {
    return new JsonObject().put("type", "settings.set").put("scope", scope).put("key", key).put("value", value);
  }

  private static void assertInvalid(JsonObject answer, String field) {
    assertEquals("invalid_field", answer.getString("code"), answer.encode());
    assertTrue(answer.getString("message").contains(field), answer.getString("message"));
    assertNull(answer.getValue("current"));
    assertFalse(answer.getString("message").isBlank());
  }
}
