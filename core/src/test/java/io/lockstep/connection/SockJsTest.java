package io.lockstep.connection;

import io.lockstep.test.LockstepNode;
import io.lockstep.test.TestDevice;
import io.lockstep.client.Transport;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The same protocol over SockJS: a SockJS device and a raw WebSocket device of one user stay in step. */
class SockJsTest {

  @RegisterExtension
  static final LockstepNode NODE = new LockstepNode();

  @Test
  void aSockJsDeviceSendsAndReceivesLikeAWebSocketDevice() {
    String conversation = NODE.group("xan", "yui");
    TestDevice browser = NODE.device("xan", Transport.SOCKJS);
    TestDevice phone = NODE.device("xan", Transport.WEBSOCKET);
    browser.connectAndSync();
    phone.connectAndSync();

    JsonObject sent = browser.sendMessage(conversation, "b-1", "from the browser");
    assertEquals("sent", sent.getString("type"));
    JsonObject onPhone = phone.awaitFrame(f -> "message".equals(f.getString("kind")));
    assertEquals(sent.getLong("seq"), onPhone.getLong("seq"));

    phone.sendMessage(conversation, "p-1", "from the phone");
    List<JsonObject> browserEvents = browser.awaitEvents(3);
    assertEquals("from the phone", browserEvents.get(2).getJsonObject("data").getJsonObject("body").getString("text"));

    browser.sendRaw("{oops");
    assertEquals("bad_frame", browser.awaitType("error").getString("code"));
  }

  @Test
  void aRevokedSockJsDeviceIsClosedWith4003() {
    TestDevice browser = NODE.device("zed", Transport.SOCKJS);
    browser.connectAndSync();
    HttpResponse<Buffer> revoked = NODE.request(HttpMethod.DELETE, "/v1/devices/" + browser.deviceId(),
        NODE.token("zed"), null);
    assertEquals(200, revoked.statusCode());
    assertEquals(4003, browser.awaitClose(Duration.ofSeconds(1)));
  }

  @Test
  void theSockJsInfoEndpointAnswersForFallbackTransports() {
    HttpResponse<Buffer> info = NODE.request(HttpMethod.GET, "/v1/sockjs/info", null, null);
    assertEquals(200, info.statusCode());
    assertTrue(info.bodyAsJsonObject().getBoolean("websocket"));
  }
}
