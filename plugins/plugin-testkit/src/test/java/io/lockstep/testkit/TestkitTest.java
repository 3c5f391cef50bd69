package io.lockstep.testkit;

import io.lockstep.plugin.ConflictRequest;
import io.lockstep.testkit.PushReceiver.Answer;
import io.lockstep.testkit.PushReceiver.ReceivedRequest;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.math.BigInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The testkit as a plugin author uses it: a node with a plugin from the test class path, devices
 * writing settings its policy decides and going offline to be pushed through its provider to a local
 * receiver. Also pins down what the API's Javadoc promises about values and refusals.
 */
class TestkitTest {

  @RegisterExtension
  static final PushReceiver RELAY = new PushReceiver();

  @RegisterExtension
  static final LockstepTestNode NODE = new LockstepTestNode()
      .requirePlugins("probe-plugin")
      .pluginConfig("probe-plugin", new JsonObject().put("url", RELAY.url("/relay")))
      .accountSetting("probe.*", "probe", null);

  @BeforeEach
  void forgetEarlierRequests() {
    RELAY.reset();
    ProbePlugin.ASKED.clear();
  }

  @Test
  void aPluginOnTheTestClassPathRunsWithItsServices() {
    JsonObject probe = NODE.plugin("probe-plugin");
    assertEquals("running", probe.getString("state"));
    assertEquals("classpath", probe.getString("source"));
    assertEquals(2, probe.getJsonArray("services").size(), probe.encode());
    assertThrows(AssertionError.class, () -> NODE.plugin("no-such-plugin"));
  }

  @Test
  void oneServicesFileMayNameSeveralPluginsEachWithItsOwnIdAndServices() {
    JsonObject counter = NODE.plugin("probe-counter");
    assertEquals("running", counter.getString("state"));
    assertEquals("extension", counter.getJsonArray("services").getJsonObject(0).getString("contract"));
    long before = NODE.request("probe.messages", new JsonObject()).getLong("count");
    String group = NODE.group("hal", "ida");
    NODE.device("hal").connect().sendMessage(group, "counted");
    assertEquals(before + 1, NODE.request("probe.messages", new JsonObject()).getLong("count"));
  }

  @Test
  void nestedValuesReachThePolicyAsJsonObjectsAndArraysAfterAStoreToo() {
    TestDevice phone = NODE.device("ann").connect();
    JsonObject card = new JsonObject().put("name", "Ann").put("tags", new JsonArray().add("a").add(1));
    assertEquals("result", phone.setAccountSetting("probe.card", card).getString("type"));
    ConflictRequest.Incoming first = ProbePlugin.ASKED.get(0).incoming();
    JsonObject incoming = assertInstanceOf(JsonObject.class, first.value());
    assertInstanceOf(JsonArray.class, incoming.getValue("tags"));
    assertNull(ProbePlugin.ASKED.get(0).stored());

    phone.setAccountSetting("probe.card", new JsonObject().put("name", "Ann B."));
    ConflictRequest.Stored stored = ProbePlugin.ASKED.get(1).stored();
    assertEquals(card, assertInstanceOf(JsonObject.class, stored.value()), "the stored value as PostgreSQL gave it back");
    assertInstanceOf(JsonArray.class, ((JsonObject) stored.value()).getValue("tags"));
    assertEquals(1, stored.version());
    assertEquals(phone.deviceId(), stored.deviceId());
  }

  @Test
  void numbersArriveAsTheirJsonKindAndComeBackFromTheStoreAsTheSame() {
    TestDevice phone = NODE.device("bo").connect();
    phone.setAccountSetting("probe.small", 5);
    phone.setAccountSetting("probe.small", 6);
    phone.setAccountSetting("probe.big", 1L << 40);
    phone.setAccountSetting("probe.big", (1L << 40) + 1);
    phone.setAccountSetting("probe.huge", new BigInteger("123456789012345678901234567890"));
    phone.setAccountSetting("probe.huge", 1);
    phone.setAccountSetting("probe.fraction", 2.5);
    phone.setAccountSetting("probe.fraction", 3.0);
    assertInstanceOf(Integer.class, ProbePlugin.ASKED.get(0).incoming().value());
    assertInstanceOf(Integer.class, ProbePlugin.ASKED.get(1).stored().value());
    assertInstanceOf(Long.class, ProbePlugin.ASKED.get(2).incoming().value());
    assertInstanceOf(Long.class, ProbePlugin.ASKED.get(3).stored().value());
    assertInstanceOf(BigInteger.class, ProbePlugin.ASKED.get(4).incoming().value());
    assertInstanceOf(BigInteger.class, ProbePlugin.ASKED.get(5).stored().value());
    assertInstanceOf(Double.class, ProbePlugin.ASKED.get(6).incoming().value());
    assertInstanceOf(Double.class, ProbePlugin.ASKED.get(7).stored().value());
    assertInstanceOf(Double.class, ProbePlugin.ASKED.get(7).incoming().value());
  }

  @Test
  void aPolicysRefusalReachesTheWriterAsInvalidFieldAfterTheFieldPrefix() {
    TestDevice phone = NODE.device("cy").connect();
    JsonObject refused = phone.setAccountSetting("probe.nick", "refuse-me");
    assertEquals("invalid_field", refused.getString("code"), refused.encode());
    assertEquals("field 'value' must not be refuse-me", refused.getString("message"));
  }

  @Test
  void anOfflineDeviceIsPushedThroughThePluginsProviderToTheReceiver() {
    String group = NODE.group("dee", "eli");
    TestDevice phone = NODE.device("dee").connect();
    assertEquals("registered", phone.registerPush("probe-push", "dee-phone").getString("outcome"));
    phone.disconnect();
    TestDevice laptop = NODE.device("eli").connect();
    assertEquals("sent", laptop.sendMessage(group, "are you there?").getString("type"));

    ReceivedRequest push = RELAY.awaitRequest(request -> request.json().getString("token").equals("dee-phone"));
    assertEquals("POST", push.method());
    assertEquals("/relay", push.uri());
    assertTrue(push.header("Content-Type").startsWith("application/json"), push.headers().toString());
    JsonObject body = push.json();
    assertEquals("message", body.getString("kind"));
    assertEquals("are you there?", body.getString("body"));
    assertEquals(group, body.getString("collapse_id"));
    assertEquals(phone.deviceId(), body.getString("device_id"));
  }

  @Test
  void aDeadTokenAnswerMakesTheServerForgetTheToken() {
    RELAY.answer(request -> Answer.status(410).withJson(new JsonObject().put("error", "unregistered")));
    String group = NODE.group("fay", "gus");
    TestDevice phone = NODE.device("fay").connect();
    phone.registerPush("probe-push", "fay-phone");
    phone.disconnect();
    NODE.device("gus").connect().sendMessage(group, "hello?");
    RELAY.awaitRequest(request -> request.json().getString("token").equals("fay-phone"));

    phone.connect();
    assertEquals("registered", registerUntilNew(phone, "fay-phone"), "the token was deleted, so it is new again");
  }

  /** Registers the token until the server says it is new (the prune commits just after the provider's answer). */
  private static String registerUntilNew(TestDevice device, String token) {
    String outcome = null;
    for (int attempt = 0; attempt < 100 && !"registered".equals(outcome); attempt++) {
      outcome = device.registerPush("probe-push", token).getString("outcome");
      LockstepTestNode.await(NODE.vertx().timer(50));
    }
    return outcome;
  }

  @Test
  void theServerApiAnswersWithStatusAndJson() {
    ApiResponse unknown = NODE.api(HttpMethod.GET, "/v1/server/conversations/nope", null);
    assertEquals(404, unknown.status());
    assertEquals("not_found", unknown.body().getString("code"), unknown.toString());
  }
}
