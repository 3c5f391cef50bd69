package io.lockstep.ops;

import io.lockstep.test.LockstepNode;
import io.lockstep.test.Ports;
import io.lockstep.test.TestDevice;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.List;

import static io.lockstep.test.LockstepNode.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An operator who sets admin.port gets the console, its API and the metrics there and nowhere else:
 * the client port answers 404 for them, still serves clients and the health checks.
 */
class OpsPortTest {

  private static final String PASSWORD = "ops-port-password";
  private static final int ADMIN_PORT = Ports.free();

  @RegisterExtension
  static final LockstepNode NODE = new LockstepNode(new JsonObject()
      .put("admin", new JsonObject().put("username", "ops").put("password", PASSWORD).put("port", ADMIN_PORT)));

  private static WebClient on(int port) {
    return WebClient.create(NODE.vertx(), new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(port));
  }

  private static HttpResponse<Buffer> get(int port, String path) {
    return await(on(port).get(path).basicAuthentication("ops", PASSWORD).send());
  }

  @Test
  void theConsoleAndTheMetricsAnswerOnTheAdminPort() {
    HttpResponse<Buffer> scrape = get(ADMIN_PORT, "/metrics");
    assertEquals(200, scrape.statusCode());
    assertTrue(scrape.bodyAsString().contains("lockstep_connections_live"), "Lockstep's signals are scraped");
    assertEquals(401, await(on(ADMIN_PORT).get("/metrics").send()).statusCode(), "still behind the admin credentials");

    HttpResponse<Buffer> page = get(ADMIN_PORT, "/admin/");
    assertEquals(200, page.statusCode());
    assertTrue(page.getHeader("content-type").startsWith("text/html"), page.getHeader("content-type"));
    assertEquals(new JsonObject().put("signed_in", false), get(ADMIN_PORT, "/admin/api/session").bodyAsJsonObject());
    assertEquals(401, get(ADMIN_PORT, "/admin/api/overview").statusCode(), "the admin API wants a session");
    assertEquals(200, get(ADMIN_PORT, "/health/ready").statusCode());
    assertEquals(200, get(ADMIN_PORT, "/health/live").statusCode());
  }

  @Test
  void theClientPortNoLongerServesThemButStillServesClients() {
    for (String path : List.of("/metrics", "/admin", "/admin/", "/admin/index.html", "/admin/api/session")) {
      HttpResponse<Buffer> response = get(NODE.port(), path);
      assertEquals(404, response.statusCode(), path);
      assertEquals("not_found", response.bodyAsJsonObject().getString("code"), path);
    }
    assertEquals(200, get(NODE.port(), "/health/live").statusCode(), "load balancers still probe the client port");
    assertEquals(200, get(NODE.port(), "/health/ready").statusCode());

    String conversation = NODE.group("pia", "quin");
    TestDevice sender = NODE.device("pia");
    TestDevice receiver = NODE.device("quin");
    sender.connectAndSync();
    receiver.connectAndSync();
    assertEquals("sent", sender.sendMessage(conversation, "m1", "over the client port").getString("type"));
    JsonObject event = receiver.awaitFrame(f -> "message".equals(f.getString("kind")));
    assertEquals("over the client port", event.getJsonObject("data").getJsonObject("body").getString("text"));
  }

  @Test
  void theAdminPortServesNoClientEndpoint() {
    HttpResponse<Buffer> response = await(on(ADMIN_PORT).request(HttpMethod.POST, "/v1/server/conversations")
        .bearerTokenAuthentication(LockstepNode.API_KEY)
        .sendJsonObject(new JsonObject().put("kind", "group").put("members", List.of("a", "b"))));
    assertEquals(404, response.statusCode());
    assertEquals(404, await(on(ADMIN_PORT).get("/v1/ws").send()).statusCode());
  }
}
