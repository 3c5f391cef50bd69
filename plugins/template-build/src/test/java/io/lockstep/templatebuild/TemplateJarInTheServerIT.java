package io.lockstep.templatebuild;

import io.lockstep.testkit.PushReceiver;
import io.lockstep.testkit.PushReceiver.ReceivedRequest;
import io.lockstep.testkit.TestDevice;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The jar the template's own build produced (outside the reactor, against the installed artifacts),
 * deployed as an operator would: copied into the plugins directory of the server's jar, configured
 * through LOCKSTEP_CONFIG and LOCKSTEP_PLUGINS_*, and used by devices over real WebSockets. It proves
 * that what the template marks provided is in the server and that nothing else is missing.
 */
class TemplateJarInTheServerIT {

  @RegisterExtension
  static final PushReceiver RELAY = new PushReceiver();

  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final List<TestDevice> DEVICES = new ArrayList<>();
  private static ServerJarProcess server;

  @BeforeAll
  static void deployTheTemplatesJar() throws Exception {
    Path jar = Path.of(System.getProperty("template.plugin.jar"));
    assertTrue(Files.isRegularFile(jar), "the invoker's build of plugins/template made no " + jar);
    Path node = Path.of("target", "template-node").toAbsolutePath();
    Path plugins = Files.createDirectories(node.resolve("plugins"));
    Files.copy(jar, plugins.resolve(jar.getFileName()), StandardCopyOption.REPLACE_EXISTING);
    Path config = node.resolve("lockstep.yaml");
    Files.writeString(config, """
        plugins:
          config:
            my-plugin:
              relay: {url: "%s", timeout: 5s}
        settings:
          keys:
            - {pattern: "profile.card", scopes: [account], policy: field-merge, default: {}}
        push:
          coalesce_window: 100ms
          poll_interval: 100ms
        """.formatted(RELAY.url("/push")));
    server = ServerJarProcess.start(Path.of(System.getProperty("lockstep.server.jar")), node, Map.of(
        "LOCKSTEP_CONFIG", config.toString(),
        "LOCKSTEP_PLUGINS_DIR", plugins.toString(),
        "LOCKSTEP_PLUGINS_REQUIRED", "my-plugin",
        "LOCKSTEP_EMBEDDED_DATA_DIR", node.resolve("embedded").toString()));
  }

  @AfterAll
  static void stop() {
    DEVICES.forEach(TestDevice::close);
    if (server != null) {
      server.close();
    }
  }

  @Test
  void theServerRunsThePluginFromItsJarWithBothServices() throws Exception {
    JsonObject mine = plugins().stream().map(JsonObject.class::cast)
        .filter(plugin -> "my-plugin".equals(plugin.getString("id"))).findFirst().orElseThrow();
    assertEquals("running", mine.getString("state"), mine.encode());
    assertTrue(mine.getString("source").endsWith("my-lockstep-plugin.jar"), mine.getString("source"));
    assertEquals(List.of("lockstep.conflict.field-merge", "lockstep.push.relay"),
        mine.getJsonArray("services").stream().map(service -> ((JsonObject) service).getString("address")).toList());
  }

  @Test
  void itsPolicyMergesTheFieldsTwoDevicesWrite() throws Exception {
    TestDevice phone = device("ann").connect();
    TestDevice laptop = device("ann").connect();
    phone.setAccountSetting("profile.card", new JsonObject().put("city", "Oslo"));
    JsonObject stored = laptop.setAccountSetting("profile.card", new JsonObject().put("team", "ops"));
    assertEquals(new JsonObject().put("city", "Oslo").put("team", "ops"), stored.getValue("value"), stored.encode());
  }

  @Test
  void itsProviderPushesAnOfflineDeviceThroughTheRelay() throws Exception {
    String group = group("bo", "cy");
    TestDevice phone = device("bo").connect();
    assertEquals("registered", phone.registerPush("relay", "bo-phone-token").getString("outcome"));
    phone.disconnect();
    device("cy").connect().sendMessage(group, "ping from the jar");
    ReceivedRequest push = RELAY.awaitRequest(request -> "bo-phone-token".equals(request.json().getString("token")));
    assertEquals("ping from the jar", push.json().getString("body"));
  }

  private static TestDevice device(String userId) throws Exception {
    JsonObject minted = post("/dev/token", new JsonObject().put("user_id", userId), null);
    TestDevice device = TestDevice.of("127.0.0.1", server.port(), minted.getString("token"));
    DEVICES.add(device);
    return device;
  }

  private static String group(String... members) throws Exception {
    JsonObject created = post("/v1/server/conversations", new JsonObject().put("kind", "group")
        .put("members", new JsonArray(List.of((Object[]) members))), ServerJarProcess.API_KEY);
    return created.getJsonObject("conversation").getString("conversation_id");
  }

  private static JsonArray plugins() throws Exception {
    HttpResponse<String> response = HTTP.send(request("/v1/server/plugins", ServerJarProcess.API_KEY).GET().build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(200, response.statusCode(), response.body());
    return new JsonObject(response.body()).getJsonArray("plugins");
  }

  private static JsonObject post(String path, JsonObject body, String bearer) throws IOException, InterruptedException {
    HttpResponse<String> response = HTTP.send(request(path, bearer).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body.encode())).build(), HttpResponse.BodyHandlers.ofString());
    assertTrue(response.statusCode() / 100 == 2, path + " answered " + response.statusCode() + ": " + response.body());
    return new JsonObject(response.body());
  }

  private static HttpRequest.Builder request(String path, String bearer) {
    HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path));
    return bearer == null ? builder : builder.header("Authorization", "Bearer " + bearer);
  }
}
