package io.lockstep.admin;

import io.lockstep.test.ConsoleClient;
import io.lockstep.test.LockstepNode;
import io.lockstep.test.TestDevice;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.List;

import static io.lockstep.test.LockstepNode.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The admin API, its sign-in, CSRF protection and audit log, and the metrics and health endpoints. */
class AdminApiTest {

  static final String PASSWORD = "correct horse battery staple";

  @RegisterExtension
  static final LockstepNode NODE = new LockstepNode(new JsonObject()
      .put("admin", new JsonObject().put("username", "ops").put("password", PASSWORD)));

  @Test
  void everyAdminApiAnswers401WithoutASession() {
    ConsoleClient anonymous = new ConsoleClient(NODE);
    for (String path : List.of("/admin/api/overview", "/admin/api/users?q=", "/admin/api/users/x", "/admin/api/conversations",
        "/admin/api/conversations/x", "/admin/api/sync-health", "/admin/api/plugins", "/admin/api/push", "/admin/api/audit",
        "/admin/api/history", "/admin/api/connections?q=x")) {
      HttpResponse<Buffer> response = anonymous.get(path);
      assertEquals(401, response.statusCode(), path);
      assertEquals("unauthorized", response.bodyAsJsonObject().getString("code"));
    }
    anonymous.get("/admin/api/session");
    for (String action : List.of("/admin/api/users/x/devices/y/revoke", "/admin/api/users/x/devices/y/disconnect",
        "/admin/api/users/x/disconnect")) {
      assertEquals(401, anonymous.change(HttpMethod.POST, action, null, true).statusCode(), action);
    }
    assertEquals(false, anonymous.get("/admin/api/session").bodyAsJsonObject().getBoolean("signed_in"));
  }

  @Test
  void signInNeedsTheConfiguredCredentialsAndTheCsrfTokenAndIsAudited() {
    ConsoleClient console = new ConsoleClient(NODE);
    console.get("/admin/api/session");
    HttpResponse<Buffer> noToken = console.change(HttpMethod.POST, "/admin/api/session",
        new JsonObject().put("username", "ops").put("password", PASSWORD), false);
    assertEquals(403, noToken.statusCode(), "a change without the CSRF token is refused");
    HttpResponse<Buffer> wrong = console.change(HttpMethod.POST, "/admin/api/session",
        new JsonObject().put("username", "ops").put("password", "guess"), true);
    assertEquals(401, wrong.statusCode());
    assertEquals(401, console.get("/admin/api/overview").statusCode());

    console.signIn("ops", PASSWORD);
    assertEquals("ops", console.get("/admin/api/session").bodyAsJsonObject().getString("username"));
    io.netty.handler.codec.http.cookie.DefaultCookie session =
        (io.netty.handler.codec.http.cookie.DefaultCookie) console.cookie("/", "lockstep_admin");
    assertTrue(session.isHttpOnly(), "the session cookie is HttpOnly");
    assertEquals(io.netty.handler.codec.http.cookie.CookieHeaderNames.SameSite.Strict, session.sameSite());

    JsonArray audit = console.get("/admin/api/audit").bodyAsJsonObject().getJsonArray("entries");
    List<String> actions = audit.stream().map(JsonObject.class::cast).map(e -> e.getString("action")).toList();
    assertTrue(actions.contains("sign_in") && actions.contains("sign_in_failed"), actions.toString());

    assertEquals(200, console.change(HttpMethod.DELETE, "/admin/api/session", null, true).statusCode());
    assertEquals(401, console.get("/admin/api/overview").statusCode(), "signed out");
  }

  @Test
  void theUserViewShowsDevicesWithCursorsLagAndPresenceAndRevokingIsAudited() {
    String conversation = NODE.group("una", "vic");
    TestDevice phone = NODE.device("una");
    TestDevice laptop = NODE.device("una");
    TestDevice tablet = NODE.device("una");
    phone.connectAndSync();
    laptop.connectAndSync();
    tablet.connectAndSync();
    TestDevice vic = NODE.device("vic");
    vic.connectAndSync();
    for (int i = 0; i < 4; i++) {
      vic.sendMessage(conversation, "v-" + i, "m" + i);
    }
    JsonObject last = phone.awaitFrame(f -> "message".equals(f.getString("kind")) && f.getJsonObject("data").getLong("conv_seq") == 4);
    phone.request(new JsonObject().put("type", "ack").put("up_to", last.getLong("seq")));
    phone.request(new JsonObject().put("type", "attention").put("state", "focused"));
    assertEquals("state", phone.request(new JsonObject().put("type", "repair").put("digest", "0123456789abcdef"))
        .getString("type"));
    laptop.disconnect();

    ConsoleClient console = new ConsoleClient(NODE).signIn("ops", PASSWORD);
    JsonArray found = console.get("/admin/api/users?q=un").bodyAsJsonObject().getJsonArray("users");
    assertTrue(found.stream().map(JsonObject.class::cast).anyMatch(u -> "una".equals(u.getString("user_id"))
        && u.getLong("devices") == 3));

    JsonObject una = console.get("/admin/api/users/una").bodyAsJsonObject();
    JsonArray devices = una.getJsonArray("devices");
    assertEquals(3, devices.size());
    JsonObject phoneRow = device(devices, phone.deviceId());
    assertEquals(0, phoneRow.getLong("lag"), "the phone acked everything");
    assertNotNull(phoneRow.getLong("last_ack_at"));
    assertEquals("focused", phoneRow.getString("attention"));
    assertEquals(1, phoneRow.getInteger("divergences"), "the phone's digest differed from the server's");
    assertEquals(true, phoneRow.getBoolean("online"));
    assertNotNull(phoneRow.getJsonObject("presence").getString("node"));
    JsonObject laptopRow = device(devices, laptop.deviceId());
    assertEquals(false, laptopRow.getBoolean("online"));
    assertTrue(laptopRow.getLong("lag") >= 4, "the laptop never acked the four messages");
    assertEquals(4, una.getLong("total_unread"));
    assertEquals(1, una.getJsonArray("conversations").size());

    HttpResponse<Buffer> withoutToken = console.change(HttpMethod.POST,
        "/admin/api/users/una/devices/" + tablet.deviceId() + "/revoke", null, false);
    assertEquals(403, withoutToken.statusCode());
    assertTrue(!tablet.isClosed(), "a refused change changed nothing");
    HttpResponse<Buffer> revoked = console.change(HttpMethod.POST,
        "/admin/api/users/una/devices/" + tablet.deviceId() + "/revoke", null, true);
    assertEquals(200, revoked.statusCode(), revoked.bodyAsString());
    assertEquals(4003, tablet.awaitClose(Duration.ofSeconds(1)));
    JsonObject audit = console.get("/admin/api/audit").bodyAsJsonObject().getJsonArray("entries").getJsonObject(0);
    assertEquals("revoke_device", audit.getString("action"));
    assertEquals("ops", audit.getString("actor"));
    assertEquals("una/" + tablet.deviceId(), audit.getString("target"));

    JsonObject health = console.get("/admin/api/sync-health").bodyAsJsonObject();
    assertTrue(health.getJsonArray("laggards").stream().map(JsonObject.class::cast)
        .anyMatch(d -> laptop.deviceId().equals(d.getString("device_id"))));
    assertTrue(health.getJsonObject("lag_distribution").getLong("0") >= 1);
    assertEquals(List.of(phone.deviceId()), health.getJsonArray("divergent").stream().map(JsonObject.class::cast)
        .filter(d -> "una".equals(d.getString("user_id"))).map(d -> d.getString("device_id")).toList(),
        "the device that reported a divergence is listed");
  }

  @Test
  void conversationsAreSearchedAndTheirLogIsPaged() {
    String conversation = NODE.group("wes", "xia");
    TestDevice wes = NODE.device("wes");
    wes.connectAndSync();
    for (int i = 0; i < 5; i++) {
      wes.sendMessage(conversation, "w-" + i, "m" + i);
    }
    ConsoleClient console = new ConsoleClient(NODE).signIn("ops", PASSWORD);
    JsonArray found = console.get("/admin/api/conversations?q=" + conversation.substring(0, 8)).bodyAsJsonObject()
        .getJsonArray("conversations");
    assertEquals(conversation, found.getJsonObject(0).getString("conversation_id"));
    JsonObject page = console.get("/admin/api/conversations/" + conversation + "?limit=2").bodyAsJsonObject();
    assertEquals(5, page.getLong("head"));
    assertEquals(List.of(5L, 4L), page.getJsonArray("messages").stream().map(m -> ((JsonObject) m).getLong("conv_seq")).toList());
    JsonObject older = console.get("/admin/api/conversations/" + conversation + "?limit=2&before=4").bodyAsJsonObject();
    assertEquals(List.of(3L, 2L), older.getJsonArray("messages").stream().map(m -> ((JsonObject) m).getLong("conv_seq")).toList());
    assertEquals(2, page.getJsonArray("members").size());
    assertEquals(400, console.get("/admin/api/conversations/" + conversation + "?before=soon").statusCode());
    assertEquals(404, console.get("/admin/api/conversations/nope").statusCode());
  }

  @Test
  void overviewAndPluginsReportTheNode() {
    ConsoleClient console = new ConsoleClient(NODE).signIn("ops", PASSWORD);
    long deadline = System.currentTimeMillis() + 5000;
    JsonObject overview = console.get("/admin/api/overview").bodyAsJsonObject();
    while (overview.getJsonArray("nodes").isEmpty() && System.currentTimeMillis() < deadline) {
      overview = console.get("/admin/api/overview").bodyAsJsonObject();
    }
    assertEquals(NODE.server().nodeId(), overview.getJsonArray("nodes").getJsonObject(0).getString("node"));
    JsonObject node = overview.getJsonArray("nodes").getJsonObject(0);
    assertTrue(node.containsKey("delivery_p99_ms") && node.containsKey("event_loop_lag_ms"), node.encode());
    assertTrue(node.getLong("heap_used_bytes") > 0 && node.getLong("heap_max_bytes") >= node.getLong("heap_used_bytes"));
    assertEquals(io.lockstep.ops.BuildInfo.version(), node.getString("version"));
    assertTrue(node.getString("version").matches("\\d+\\.\\d+\\.\\d+.*"), "the build's version: " + node.getString("version"));
    JsonArray plugins = console.get("/admin/api/plugins").bodyAsJsonObject().getJsonArray("plugins");
    assertTrue(plugins.stream().map(JsonObject.class::cast).anyMatch(p -> "conflict-standard".equals(p.getString("id"))));
  }

  @Test
  void metricsNeedTheAdminCredentialsAndCarryLockstepsSignals() {
    TestDevice device = NODE.device("yul");
    device.connectAndSync();
    HttpResponse<Buffer> anonymous = NODE.request(HttpMethod.GET, "/metrics", null, null);
    assertEquals(401, anonymous.statusCode());
    WebClient client = WebClient.create(NODE.vertx(), new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(NODE.port()));
    String scrape = await(client.get("/metrics").basicAuthentication("ops", PASSWORD).send()).bodyAsString();
    for (String name : List.of("lockstep_connections_live", "lockstep_devices_online", "lockstep_devices_per_user",
        "lockstep_sync_lag", "lockstep_cursor_advance_failures_total", "lockstep_sends_duplicate_total",
        "lockstep_delivery_latency_seconds", "lockstep_readstate_propagation_seconds", "lockstep_devices_behind_retention",
        "lockstep_resets_sent_total", "lockstep_settings_shadowed_total", "lockstep_events_written_total",
        "lockstep_bytes_written_total", "lockstep_redis_errors_total", "lockstep_postgres_errors_total")) {
      assertTrue(scrape.contains(name), name + " is exported");
    }
    assertTrue(scrape.contains("lockstep_devices_online 1.0"), "the connected device is online");
    assertEquals(401, await(client.get("/metrics").basicAuthentication("ops", "nope").send()).statusCode());
  }

  @Test
  void readinessChecksEveryDependency() {
    HttpResponse<Buffer> ready = NODE.request(HttpMethod.GET, "/health/ready", null, null);
    assertEquals(200, ready.statusCode());
    List<String> checks = ready.bodyAsJsonObject().getJsonArray("checks").stream()
        .map(c -> ((JsonObject) c).getString("id")).sorted().toList();
    assertEquals(List.of("cluster", "migrations", "postgres", "redis"), checks);
    assertEquals(200, NODE.request(HttpMethod.GET, "/health/live", null, null).statusCode());
  }

  private static JsonObject device(JsonArray devices, String id) {
    return devices.stream().map(JsonObject.class::cast).filter(d -> id.equals(d.getString("device_id"))).findFirst()
        .orElseThrow();
  }
}
