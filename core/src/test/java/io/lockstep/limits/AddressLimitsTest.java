package io.lockstep.limits;

import io.lockstep.client.ClientOptions;
import io.lockstep.client.Connection;
import io.lockstep.client.ErrorCode;
import io.lockstep.client.Hello;
import io.lockstep.client.LockstepClient;
import io.lockstep.client.LockstepException;
import io.lockstep.client.raw.Frame;
import io.lockstep.client.raw.RawOptions;
import io.lockstep.client.raw.RawWebSocket;
import io.lockstep.test.LockstepNode;
import io.lockstep.test.TestDevice;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.ext.web.client.WebClientSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.Base64;
import java.util.concurrent.CompletionException;

import static io.lockstep.test.LockstepNode.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Limits per client address: WebSocket upgrades, hellos, and guesses at the operators' password (console
 * sign-in and /metrics), where a locked-out address cannot get in even with the right password while the
 * operator still can from another address. Each test uses its own loopback address (all of 127/8 is
 * this machine), so the tests do not share buckets.
 */
class AddressLimitsTest {

  private static final String PASSWORD = "correct horse battery staple";

  @RegisterExtension
  static final LockstepNode NODE = new LockstepNode(new JsonObject()
      .put("admin", new JsonObject().put("username", "ops").put("password", PASSWORD))
      .put("limits", new JsonObject()
          .put("upgrades", new JsonObject().put("ip", RateLimitTest.bucket(15, "1m", 15)))
          .put("hellos", new JsonObject().put("ip", RateLimitTest.bucket(5, "1m", 5)))
          .put("sign_in", new JsonObject().put("ip", RateLimitTest.bucket(5, "15m", 5))
              .put("username", RateLimitTest.bucket(12, "15m", 12)))));

  @Test
  void upgradesOverTheAddressLimitGet429WithRetryAfterWhileOtherAddressesConnect() {
    int upgraded = 0;
    String refusal = null;
    for (int i = 0; i < 40 && refusal == null; i++) {
      try (RawWebSocket socket = RawWebSocket.connect(RawOptions.to(NODE.port()).withLocalAddress("127.0.0.21"))) {
        String response = socket.handshakeResponse();
        if (response.startsWith("HTTP/1.1 101")) {
          upgraded++;
        } else {
          refusal = response;
        }
      }
    }
    assertEquals(15, upgraded, "the burst of upgrades is served");
    assertNotNull(refusal);
    assertTrue(refusal.startsWith("HTTP/1.1 429"), refusal);
    assertTrue(refusal.matches("(?si).*\\r\\nretry-after: [1-9][0-9]*\\r\\n.*"), refusal);
    try (RawWebSocket elsewhere = RawWebSocket.connect(RawOptions.to(NODE.port()).withLocalAddress("127.0.0.22"))) {
      assertTrue(elsewhere.handshakeResponse().startsWith("HTTP/1.1 101"), "another address still connects");
    }
  }

  @Test
  void sockJsSessionsOverTheAddressLimitGetTheErrorAndClose4029() {
    String refused = null;
    for (int i = 0; i < 20 && refused == null; i++) {
      try (RawWebSocket session = RawWebSocket.connect(RawOptions.to(NODE.port())
          .withLocalAddress("127.0.0.71").withPath("/v1/sockjs/000/s" + i + "/websocket"))) {
        assertTrue(session.handshakeResponse().startsWith("HTTP/1.1 101"), session.handshakeResponse());
        assertEquals("o", session.readFrame(java.time.Duration.ofSeconds(5)).text(), "SockJS opens the session");
        Frame next = session.pollFrame(java.time.Duration.ofMillis(300));
        if (next != null && next.text().contains("rate_limited")) {
          refused = next.text() + session.readFrame(java.time.Duration.ofSeconds(5)).text();
        }
      }
    }
    assertNotNull(refused, "a session over the limit is refused");
    assertTrue(refused.contains("upgrades_ip") && refused.contains("4029"), refused);
  }

  @Test
  void hellosOverTheAddressLimitAreRefusedAndTheConnectionStaysOpen() {
    LockstepClient client = LockstepClient.create(NODE.vertx(),
        ClientOptions.of("127.0.0.1", NODE.port()).withLocalAddress("127.0.0.31"));
    LockstepException limited = null;
    Connection refusedConnection = null;
    for (int i = 0; i < 7 && limited == null; i++) {
      Connection connection = client.connect().join();
      try {
        assertEquals("hello-" + i, connection.hello(Hello.withToken(NODE.token("hello-" + i))).join().userId());
      } catch (CompletionException e) {
        limited = assertInstanceOf(LockstepException.class, e.getCause());
        assertEquals(5, i, "five hellos from the address are served first");
        refusedConnection = connection;
      }
    }
    assertNotNull(limited, "the sixth hello is over the limit");
    assertEquals(ErrorCode.RATE_LIMITED, limited.errorCode());
    assertEquals("hellos_ip", limited.frame().getString("limit"));
    assertTrue(limited.retryAfterMs() > 0);
    assertTrue(refusedConnection.isOpen(), "the connection stays open for a later hello");
    TestDevice neighbour = NODE.device("lou");
    neighbour.connectAndSync();
    assertEquals("pong", neighbour.request(new JsonObject().put("type", "ping")).getString("type"),
        "a client at another address says hello as usual");
    client.close().join();
  }

  @Test
  void guessingTheConsolePasswordLocksTheAddressOutButNotTheOperatorElsewhere() {
    Console guesser = new Console("127.0.0.41");
    for (int i = 0; i < 5; i++) {
      assertEquals(401, guesser.signIn("ops", "guess-" + i).statusCode());
    }
    HttpResponse<Buffer> locked = guesser.signIn("ops", PASSWORD);
    assertEquals(429, locked.statusCode(), "the right password from a locked-out address is refused");
    assertEquals("rate_limited", locked.bodyAsJsonObject().getString("code"));
    assertNotNull(locked.getHeader("Retry-After"));
    assertEquals(200, new Console("127.0.0.42").signIn("ops", PASSWORD).statusCode(), "the operator gets in from elsewhere");
  }

  @Test
  void guessesSpreadOverAddressesLockTheUserNameOnlyForTheAddressesThatGuessed() {
    for (int i = 0; i < 12; i++) {
      assertEquals(401, new Console("127.0.1." + (i + 1)).signIn("root", "guess-" + i).statusCode());
    }
    assertEquals(429, new Console("127.0.1.1").signIn("root", "again").statusCode(), "a guessing address is locked for the name");
    assertEquals(401, new Console("127.0.1.100").signIn("root", "wrong").statusCode(),
        "a clean address may still try the name (and would get in with the right password)");
  }

  @Test
  void metricsBasicAuthIsGuardedTheSameWay() {
    WebClient scraper = WebClient.create(NODE.vertx(), new WebClientOptions().setLocalAddress("127.0.0.51"));
    for (int i = 0; i < 5; i++) {
      assertEquals(401, scrape(scraper, "ops", "guess-" + i).statusCode());
    }
    assertEquals(429, scrape(scraper, "ops", PASSWORD).statusCode());
    WebClient operator = WebClient.create(NODE.vertx(), new WebClientOptions().setLocalAddress("127.0.0.52"));
    HttpResponse<Buffer> metrics = scrape(operator, "ops", PASSWORD);
    assertEquals(200, metrics.statusCode());
    assertTrue(metrics.bodyAsString().contains("lockstep_rate_limited_total{limit=\"sign_in_ip\"}"), "refusals are counted");
  }

  @Test
  void theConsoleSendsItsSecurityHeadersAndTellsAStrangerNothing() {
    HttpResponse<Buffer> page = await(WebClient.create(NODE.vertx()).get(NODE.port(), "127.0.0.1", "/admin/").send());
    assertEquals(200, page.statusCode());
    String csp = page.getHeader("Content-Security-Policy");
    assertNotNull(csp);
    assertTrue(csp.startsWith("default-src 'self';") && csp.contains("frame-ancestors 'none'"), csp);
    assertEquals("no-referrer", page.getHeader("Referrer-Policy"));
    assertEquals("nosniff", page.getHeader("X-Content-Type-Options"));
    JsonObject session = new Console("127.0.0.61").get("/admin/api/session").bodyAsJsonObject();
    assertEquals(new JsonObject().put("signed_in", false), session, "no node id, no user name");
  }

  private static HttpResponse<Buffer> scrape(WebClient client, String user, String password) {
    return await(client.get(NODE.port(), "127.0.0.1", "/metrics").putHeader("Authorization",
        "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes())).send());
  }

  /** A browser at one address: keeps cookies, sends the CSRF header. */
  private static final class Console {
    final WebClientSession client;

    Console(String address) {
      client = WebClientSession.create(WebClient.create(NODE.vertx(), new WebClientOptions()
          .setDefaultHost("127.0.0.1").setDefaultPort(NODE.port()).setLocalAddress(address)));
    }

    HttpResponse<Buffer> get(String path) {
      return await(client.get(path).send());
    }

    HttpResponse<Buffer> signIn(String user, String password) {
      get("/admin/api/session");
      String csrf = null;
      for (var cookie : client.cookieStore().get(false, "127.0.0.1", "/admin/api")) {
        if (cookie.name().equals("XSRF-TOKEN")) {
          csrf = cookie.value();
        }
      }
      return await(client.request(HttpMethod.POST, "/admin/api/session").putHeader("X-XSRF-TOKEN", csrf)
          .sendJsonObject(new JsonObject().put("username", user).put("password", password)));
    }
  }
}
