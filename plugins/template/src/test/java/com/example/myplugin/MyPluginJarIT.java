package com.example.myplugin;

import io.lockstep.testkit.LockstepTestNode;
import io.lockstep.testkit.TestDevice;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The packaged jar, loaded from a plugins directory as an operator deploys it. Failsafe runs this
 * after package, with the plugin's classes kept off the test class path (lockstep-plugin-parent).
 */
class MyPluginJarIT {

  @RegisterExtension
  static final LockstepTestNode NODE = new LockstepTestNode()
      .pluginJars(LockstepTestNode.builtPluginJar())
      .requirePlugins("my-plugin")
      .accountSetting("profile.card", "field-merge", new JsonObject());

  @Test
  void theJarLoadsAndServesThePolicyButNoProviderWhileTheRelayIsNotConfigured() {
    JsonObject plugin = NODE.plugin("my-plugin");
    assertEquals("running", plugin.getString("state"));
    assertTrue(plugin.getString("source").endsWith("my-lockstep-plugin.jar"), plugin.getString("source"));
    assertEquals(1, plugin.getJsonArray("services").size(), plugin.encode());
    assertThrows(ClassNotFoundException.class, () -> Class.forName("com.example.myplugin.MyPlugin"));
  }

  @Test
  void itsPolicyDecidesWrites() {
    TestDevice phone = NODE.device("gus").connect();
    phone.setAccountSetting("profile.card", new JsonObject().put("city", "Lima"));
    JsonObject stored = phone.setAccountSetting("profile.card", new JsonObject().put("city", null).put("team", "qa"));
    assertEquals(new JsonObject().put("team", "qa"), stored.getValue("value"));
  }
}
