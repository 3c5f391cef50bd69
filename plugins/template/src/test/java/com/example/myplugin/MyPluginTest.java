package com.example.myplugin;

import io.lockstep.testkit.LockstepTestNode;
import io.lockstep.testkit.PushReceiver;
import io.lockstep.testkit.PushReceiver.Answer;
import io.lockstep.testkit.PushReceiver.ReceivedRequest;
import io.lockstep.testkit.TestDevice;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The plugin on a real Lockstep node (with real PostgreSQL and Redis), from the test class path: its
 * policy decides writes from two devices, and its provider pushes to a stand-in relay.
 */
// snippet:begin test
class MyPluginTest {

  @RegisterExtension
  static final PushReceiver RELAY = new PushReceiver();

  @RegisterExtension
  static final LockstepTestNode NODE = new LockstepTestNode()
      .requirePlugins("my-plugin")
      .pluginConfig("my-plugin", new JsonObject().put("relay", new JsonObject().put("url", RELAY.url("/push"))))
      .accountSetting("profile.card", "field-merge", new JsonObject());

  @BeforeEach
  void answerOk() {
    RELAY.reset();
  }

  @Test
  void twoDevicesEditingDifferentFieldsKeepBothEdits() {
    TestDevice phone = NODE.device("ann").connect();
    TestDevice laptop = NODE.device("ann").connect();
    phone.setAccountSetting("profile.card", new JsonObject().put("city", "Oslo").put("team", "web"));
    JsonObject stored = laptop.setAccountSetting("profile.card", new JsonObject().put("team", "ops"));
    assertEquals(new JsonObject().put("city", "Oslo").put("team", "ops"), stored.getValue("value"));
  }

  @Test
  void aValueThatIsNotAnObjectIsRefusedWithTheReason() {
    JsonObject refused = NODE.device("bo").connect().setAccountSetting("profile.card", "Oslo");
    assertEquals("invalid_field", refused.getString("code"));
    assertEquals("field 'value' must be an object of fields", refused.getString("message"));
  }

  @Test
  void anOfflinePhoneIsPushedThroughTheRelay() {
    String group = NODE.group("cy", "dee");
    TestDevice phone = NODE.device("cy").connect();
    assertEquals("registered", phone.registerPush("relay", "cy-phone-token").getString("outcome"));
    phone.disconnect();
    NODE.device("dee").connect().sendMessage(group, "lunch?");

    ReceivedRequest push = RELAY.awaitRequest(request -> request.json().getString("token").equals("cy-phone-token"));
    assertEquals("lunch?", push.json().getString("body"));
    assertEquals(false, push.json().getBoolean("silent"));
    assertEquals(group, push.json().getString("collapse_id"));
  }

  @Test
  void aRelayThatIsDownIsAskedAgainWithTheSamePushId() {
    RELAY.answer(request -> RELAY.received().size() == 1 ? Answer.status(503) : Answer.status(200));
    String group = NODE.group("eli", "fay");
    TestDevice phone = NODE.device("eli").connect();
    phone.registerPush("relay", "eli-phone-token");
    phone.disconnect();
    NODE.device("fay").connect().sendMessage(group, "still there?");

    List<ReceivedRequest> attempts = RELAY.awaitRequests(2);
    assertEquals(attempts.get(0).json().getLong("id"), attempts.get(1).json().getLong("id"));
    assertEquals("still there?", attempts.get(1).json().getString("body"));
  }
}
// snippet:end
