package io.lockstep.admin;

import io.lockstep.test.Eventually;
import io.lockstep.test.ConsoleClient;
import io.lockstep.test.LockstepNode;
import io.lockstep.test.TestDevice;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What an operator does to live connections from the console: disconnect a device (it reconnects and
 * resumes, unlike a revoke), disconnect every device of a user, find a connection by device or user
 * id; each action audited, and a wrong target refused without changing anything.
 */
class ConsoleActionsTest {

  private static final String PASSWORD = "correct horse battery staple";

  @RegisterExtension
  static final LockstepNode NODE = new LockstepNode(new JsonObject()
      .put("admin", new JsonObject().put("username", "ops").put("password", PASSWORD)));

  @Test
  void aDisconnectedPhoneReconnectsAndResumesWhereItWas() {
    String conversation = NODE.group("ada", "bob");
    TestDevice phone = NODE.device("ada");
    TestDevice laptop = NODE.device("ada");
    phone.connectAndSync(new JsonObject().put("device_name", "ada's phone"));
    laptop.connectAndSync();
    TestDevice bob = NODE.device("bob");
    bob.connectAndSync();
    bob.sendMessage(conversation, "b-1", "before");
    JsonObject first = phone.awaitFrame(f -> "message".equals(f.getString("kind")));
    phone.request(new JsonObject().put("type", "ack").put("up_to", first.getLong("seq")));

    ConsoleClient console = new ConsoleClient(NODE).signIn("ops", PASSWORD);
    HttpResponse<Buffer> done = console.post("/admin/api/users/ada/devices/" + phone.deviceId() + "/disconnect");
    assertEquals(200, done.statusCode(), done.bodyAsString());
    assertEquals(1, done.bodyAsJsonObject().getLong("connections"), "the phone had one live connection");
    assertEquals(4010, phone.awaitClose(Duration.ofSeconds(2)), "closed as disconnected by an operator");
    assertFalse(laptop.isClosed(), "the user's other device stays connected");

    bob.sendMessage(conversation, "b-2", "while the phone was away");
    List<JsonObject> caughtUp = phone.connectAndSync();
    assertEquals(List.of("while the phone was away"), caughtUp.stream()
        .filter(e -> "message".equals(e.getString("kind")))
        .map(e -> e.getJsonObject("data").getJsonObject("body").getString("text")).toList(),
        "the phone resumed from its cursor: only what it had not acked");

    JsonObject entry = console.get("/admin/api/audit").bodyAsJsonObject().getJsonArray("entries").getJsonObject(0);
    assertEquals("disconnect_device", entry.getString("action"));
    assertEquals("ada/" + phone.deviceId(), entry.getString("target"));
    assertEquals("ada's phone", entry.getJsonObject("details").getString("name"));
    JsonObject phoneRow = device(console.get("/admin/api/users/ada").bodyAsJsonObject().getJsonArray("devices"),
        phone.deviceId());
    assertEquals(false, phoneRow.getBoolean("revoked"), "a disconnect is not a revoke");
  }

  @Test
  void disconnectingAUserClosesEveryDeviceOfTheirsAndNoOneElses() {
    TestDevice phone = NODE.device("cyd");
    TestDevice tablet = NODE.device("cyd");
    TestDevice other = NODE.device("dan");
    phone.connectAndSync();
    tablet.connectAndSync();
    other.connectAndSync();

    ConsoleClient console = new ConsoleClient(NODE).signIn("ops", PASSWORD);
    HttpResponse<Buffer> done = console.post("/admin/api/users/cyd/disconnect");
    assertEquals(200, done.statusCode(), done.bodyAsString());
    assertEquals(2, done.bodyAsJsonObject().getLong("devices"));
    assertEquals(2, done.bodyAsJsonObject().getLong("connections"));
    assertEquals(4010, phone.awaitClose(Duration.ofSeconds(2)));
    assertEquals(4010, tablet.awaitClose(Duration.ofSeconds(2)));
    assertFalse(other.isClosed(), "another user's device is not touched");
    JsonObject entry = console.get("/admin/api/audit").bodyAsJsonObject().getJsonArray("entries").getJsonObject(0);
    assertEquals("disconnect_user", entry.getString("action"));
    assertEquals("cyd", entry.getString("target"));
    assertEquals(2, entry.getJsonObject("details").getLong("connections"));
  }

  @Test
  void aConnectionIsFoundByTheStartOfItsDeviceIdOrByItsUserId() {
    TestDevice phone = NODE.device("fay");
    TestDevice laptop = NODE.device("fay");
    phone.connectAndSync();
    laptop.connectAndSync();
    laptop.disconnect();

    ConsoleClient console = new ConsoleClient(NODE).signIn("ops", PASSWORD);
    JsonArray byDevice = console.get("/admin/api/connections?q=" + phone.deviceId().substring(0, 8)).bodyAsJsonObject()
        .getJsonArray("devices");
    JsonObject found = device(byDevice, phone.deviceId());
    assertEquals("fay", found.getString("user_id"));
    assertEquals(true, found.getBoolean("online"));
    assertEquals(NODE.server().nodeId(), found.getJsonObject("presence").getString("node"));

    JsonArray byUser = Eventually.await(NODE.vertx(), Duration.ofSeconds(5),
        () -> console.get("/admin/api/connections?q=fay").bodyAsJsonObject().getJsonArray("devices"),
        devices -> Boolean.FALSE.equals(device(devices, laptop.deviceId()).getBoolean("online")),
        "the laptop is found, offline");
    assertEquals(2, byUser.stream().map(JsonObject.class::cast).filter(d -> "fay".equals(d.getString("user_id"))).count());

    HttpResponse<Buffer> empty = console.get("/admin/api/connections?q=%20");
    assertEquals(400, empty.statusCode());
    assertEquals("invalid_field", empty.bodyAsJsonObject().getString("code"));
    assertTrue(empty.bodyAsJsonObject().getString("message").contains("q"), empty.bodyAsString());
  }

  @Test
  void aWrongTargetIsRefusedAndChangesNothing() {
    TestDevice gus = NODE.device("gus");
    TestDevice hal = NODE.device("hal");
    gus.connectAndSync();
    hal.connectAndSync();
    TestDevice revoked = NODE.device("gus");
    revoked.connectAndSync();
    ConsoleClient console = new ConsoleClient(NODE).signIn("ops", PASSWORD);
    assertEquals(200, console.post("/admin/api/users/gus/devices/" + revoked.deviceId() + "/revoke").statusCode());
    long audited = console.get("/admin/api/audit").bodyAsJsonObject().getJsonArray("entries").size();

    HttpResponse<Buffer> unknown = console.post("/admin/api/users/gus/devices/no-such-device/disconnect");
    assertEquals(404, unknown.statusCode());
    assertEquals("not_found", unknown.bodyAsJsonObject().getString("code"));
    HttpResponse<Buffer> foreign = console.post("/admin/api/users/gus/devices/" + hal.deviceId() + "/disconnect");
    assertEquals(404, foreign.statusCode(), "hal's device is not gus's");
    HttpResponse<Buffer> gone = console.post("/admin/api/users/gus/devices/" + revoked.deviceId() + "/disconnect");
    assertEquals(403, gone.statusCode());
    assertEquals("device_revoked", gone.bodyAsJsonObject().getString("code"));
    assertEquals(404, console.post("/admin/api/users/nobody-at-all/disconnect").statusCode());
    assertEquals(403, console.change(HttpMethod.POST, "/admin/api/users/gus/disconnect", null, false).statusCode(),
        "without the CSRF token");

    assertFalse(gus.isClosed() || hal.isClosed(), "no connection was closed");
    assertEquals(audited, console.get("/admin/api/audit").bodyAsJsonObject().getJsonArray("entries").size(),
        "nothing refused is in the audit log");
  }

  private static JsonObject device(JsonArray devices, String id) {
    return devices.stream().map(JsonObject.class::cast).filter(d -> id.equals(d.getString("device_id"))).findFirst()
        .orElseThrow(() -> new AssertionError("no device " + id + " in " + devices.encode()));
  }
}
