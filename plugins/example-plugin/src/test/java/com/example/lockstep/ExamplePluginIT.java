package com.example.lockstep;

import io.lockstep.testkit.LockstepTestNode;
import io.lockstep.testkit.TestDevice;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Loads the built plugin jar into a running Lockstep node, as an operator would deploy it. */
class ExamplePluginIT {

  @RegisterExtension
  static final LockstepTestNode NODE = new LockstepTestNode()
      .pluginJars(LockstepTestNode.builtPluginJar())
      .requirePlugins("example-plugin")
      .pluginConfig("example-plugin", new JsonObject().put("count_address", "example.count"))
      .accountSetting("profile.username", "first-writer-wins", null);

  @Test
  void thePluginIsLoadedFromItsJar() {
    JsonObject example = NODE.plugin("example-plugin");
    assertEquals("running", example.getString("state"));
    assertTrue(example.getString("source").endsWith("lockstep-example-plugin.jar"), example.getString("source"));
    assertThrows(ClassNotFoundException.class, () -> Class.forName("com.example.lockstep.ExamplePlugin"),
        "the test itself cannot see the plugin's classes: the server loaded them from the jar");
  }

  @Test
  void itsConflictPolicyDecidesAccountWrites() {
    TestDevice phone = NODE.device("zoe").connect();
    TestDevice laptop = NODE.device("zoe").connect();
    assertEquals("result", phone.setAccountSetting("profile.username", "zoe_k").getString("type"));
    JsonObject second = laptop.setAccountSetting("profile.username", "zoe_the_second");
    assertEquals("conflict", second.getString("code"));
    assertEquals("zoe_k", second.getJsonObject("current").getString("value"));
  }

  @Test
  void itsExtensionSeesEveryCommittedMessage() {
    String conversation = NODE.group("yan", "xia");
    TestDevice phone = NODE.device("yan").connect();
    for (int i = 0; i < 3; i++) {
      phone.sendMessage(conversation, "hello " + i);
    }
    JsonObject count = NODE.request("example.count", new JsonObject().put("conversation_id", conversation));
    assertEquals(3, count.getLong("count"));
  }
}
