package io.lockstep.connection;

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
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Devices: registration over REST and hello, listing with presence, renaming and revocation. */
class DeviceLifecycleTest {

  @RegisterExtension
  static final LockstepNode NODE = new LockstepNode();

  @Test
  void devicesRegisteredOverRestAreListedWithPresenceFromRedis() {
    String token = NODE.token("nia");
    HttpResponse<Buffer> created = NODE.request(HttpMethod.POST, "/v1/devices", token,
        new JsonObject().put("name", "Nia's phone").put("platform", "ios"));
    assertEquals(201, created.statusCode());
    String phoneId = created.bodyAsJsonObject().getJsonObject("device").getString("device_id");

    TestDevice laptop = NODE.device("nia");
    laptop.connectAndSync(new JsonObject().put("device_name", "Nia's laptop").put("platform", "linux"));

    JsonArray devices = NODE.request(HttpMethod.GET, "/v1/devices", token, null).bodyAsJsonObject().getJsonArray("devices");
    assertEquals(2, devices.size());
    JsonObject phone = find(devices, phoneId);
    JsonObject laptopEntry = find(devices, laptop.deviceId());
    assertEquals("Nia's phone", phone.getString("name"));
    assertEquals("ios", phone.getString("platform"));
    assertFalse(phone.getBoolean("online"));
    assertTrue(laptopEntry.getBoolean("online"));
    assertEquals("Nia's laptop", laptopEntry.getString("name"));
    assertNotNull(laptopEntry.getJsonObject("presence").getString("node"));
    assertEquals(1, NODE.redisKeys("presence:nia:*").size(), "one presence key per connected device");

    laptop.disconnect();
    JsonArray afterDisconnect = awaitOnline(token, laptop.deviceId(), false);
    assertNull(find(afterDisconnect, laptop.deviceId()).getJsonObject("presence"));
    assertTrue(NODE.redisKeys("presence:nia:*").isEmpty(), "a closed connection removes its presence at once");
  }

  @Test
  void theFirstHelloWithoutADeviceIdRegistersADeviceAndTellsTheOthers() {
    TestDevice phone = NODE.device("oli");
    phone.connectAndSync();
    TestDevice tablet = NODE.device("oli");
    tablet.connectAndSync(new JsonObject().put("device_name", "tablet"));

    JsonObject event = phone.awaitFrame(f -> "device".equals(f.getString("kind")));
    assertEquals("added", event.getJsonObject("data").getString("action"));
    assertEquals(tablet.deviceId(), event.getJsonObject("data").getJsonObject("device").getString("device_id"));
  }

  /** Found by the load generator: concurrent registrations of one user's devices deadlocked. */
  @Test
  void manyDevicesOfOneUserAndOverlappingGroupsCanBeCreatedAtOnce() throws Exception {
    java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(8);
    try {
      List<java.util.concurrent.Future<JsonObject>> hellos = new java.util.ArrayList<>();
      for (int i = 0; i < 16; i++) {
        hellos.add(pool.submit(() -> {
          TestDevice device = NODE.device("many");
          device.connect();
          return device.hello();
        }));
      }
      for (var hello : hellos) {
        assertEquals("welcome", hello.get().getString("type"), hello.get().encode());
      }
      List<java.util.concurrent.Future<Integer>> groups = new java.util.ArrayList<>();
      for (int i = 0; i < 16; i++) {
        int n = i;
        groups.add(pool.submit(() -> NODE.request(HttpMethod.POST, "/v1/server/conversations", LockstepNode.API_KEY,
            new JsonObject().put("kind", "group").put("members", new JsonArray().add("g" + (n % 3)).add("g" + ((n + 1) % 3))
                .add("many"))).statusCode()));
      }
      for (var group : groups) {
        assertEquals(201, group.get());
      }
    } finally {
      pool.shutdown();
    }
    JsonArray devices = NODE.request(HttpMethod.GET, "/v1/devices", NODE.token("many"), null).bodyAsJsonObject()
        .getJsonArray("devices");
    assertEquals(16, devices.size());
  }

  @Test
  void renamingADeviceReachesTheOtherDevices() {
    TestDevice phone = NODE.device("pia");
    phone.connectAndSync();
    TestDevice laptop = NODE.device("pia");
    laptop.connectAndSync();

    HttpResponse<Buffer> renamed = NODE.request(HttpMethod.PATCH, "/v1/devices/" + laptop.deviceId(), NODE.token("pia"),
        new JsonObject().put("name", "work laptop"));
    assertEquals(200, renamed.statusCode());
    JsonObject event = phone.awaitFrame(f -> "device".equals(f.getString("kind"))
        && "renamed".equals(f.getJsonObject("data").getString("action")));
    assertEquals("work laptop", event.getJsonObject("data").getJsonObject("device").getString("name"));
  }

  @Test
  void revokingAConnectedDeviceClosesItAndLocksItOut() {
    TestDevice phone = NODE.device("quin");
    TestDevice stolenLaptop = NODE.device("quin");
    phone.connectAndSync();
    stolenLaptop.connectAndSync();

    HttpResponse<Buffer> revoked = NODE.request(HttpMethod.DELETE, "/v1/devices/" + stolenLaptop.deviceId(),
        NODE.token("quin"), null);

    assertEquals(200, revoked.statusCode());
    assertEquals(4003, stolenLaptop.awaitClose(Duration.ofSeconds(1)));
    JsonObject event = phone.awaitFrame(f -> "device".equals(f.getString("kind"))
        && "revoked".equals(f.getJsonObject("data").getString("action")));
    assertEquals(stolenLaptop.deviceId(), event.getJsonObject("data").getJsonObject("device").getString("device_id"));

    stolenLaptop.connect();
    JsonObject refused = stolenLaptop.hello();
    assertEquals("device_revoked", refused.getString("code"));
    assertEquals(4003, stolenLaptop.awaitClose(Duration.ofSeconds(5)));

    JsonArray devices = NODE.request(HttpMethod.GET, "/v1/devices", NODE.token("quin"), null).bodyAsJsonObject()
        .getJsonArray("devices");
    assertEquals(List.of(phone.deviceId()), devices.stream().map(d -> ((JsonObject) d).getString("device_id")).toList());
  }

  @Test
  void anotherUsersDeviceCanBeNeitherUsedNorChanged() {
    TestDevice rosasPhone = NODE.device("rosa");
    rosasPhone.connectAndSync();

    TestDevice intruder = NODE.device("sam").withDeviceId(rosasPhone.deviceId());
    intruder.connect();
    assertEquals("device_not_owned", intruder.hello().getString("code"));
    assertEquals(4003, intruder.awaitClose(Duration.ofSeconds(5)));

    HttpResponse<Buffer> revoke = NODE.request(HttpMethod.DELETE, "/v1/devices/" + rosasPhone.deviceId(),
        NODE.token("sam"), null);
    assertEquals(403, revoke.statusCode());
    assertEquals("device_not_owned", revoke.bodyAsJsonObject().getString("code"));
    assertFalse(rosasPhone.isClosed());

    TestDevice unknown = NODE.device("sam").withDeviceId("no-such-device");
    unknown.connect();
    assertEquals("device_unknown", unknown.hello().getString("code"));
  }

  @Test
  void deviceEndpointsRefuseBadRequests() {
    String token = NODE.token("tia");
    assertEquals(401, NODE.request(HttpMethod.GET, "/v1/devices", null, null).statusCode());
    assertEquals(401, NODE.request(HttpMethod.GET, "/v1/devices", "not-a-jwt", null).statusCode());
    HttpResponse<Buffer> badName = NODE.request(HttpMethod.POST, "/v1/devices", token, new JsonObject().put("name", 42));
    assertEquals(400, badName.statusCode());
    assertEquals("invalid_field", badName.bodyAsJsonObject().getString("code"));
    assertTrue(badName.bodyAsJsonObject().getString("message").contains("name"));
    HttpResponse<Buffer> missing = NODE.request(HttpMethod.PATCH, "/v1/devices/nothing-here", token,
        new JsonObject().put("name", "x"));
    assertEquals(404, missing.statusCode());
    assertEquals("not_found", missing.bodyAsJsonObject().getString("code"));
    assertEquals(0, NODE.request(HttpMethod.GET, "/v1/devices", token, null).bodyAsJsonObject()
        .getJsonArray("devices").size(), "refused requests registered nothing");
  }

  private static JsonArray awaitOnline(String token, String deviceId, boolean online) {
    long deadline = System.currentTimeMillis() + 5000;
    while (true) {
      JsonArray devices = NODE.request(HttpMethod.GET, "/v1/devices", token, null).bodyAsJsonObject().getJsonArray("devices");
      if (find(devices, deviceId).getBoolean("online") == online || System.currentTimeMillis() > deadline) {
        assertEquals(online, find(devices, deviceId).getBoolean("online"));
        return devices;
      }
    }
  }

  private static JsonObject find(JsonArray devices, String deviceId) {
    return devices.stream().map(JsonObject.class::cast).filter(d -> d.getString("device_id").equals(deviceId))
        .findFirst().orElseThrow(() -> new AssertionError("no device " + deviceId + " in " + devices));
  }
}
