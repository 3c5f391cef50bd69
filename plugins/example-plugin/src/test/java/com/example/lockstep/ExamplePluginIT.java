package com.example.lockstep;

import io.lockstep.test.LockstepNode;
import io.lockstep.test.TestDevice;
import io.vertx.core.eventbus.Message;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static io.lockstep.test.LockstepNode.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Loads the built plugin jar into a running Lockstep node, as an operator would deploy it. */
class ExamplePluginIT {

  @RegisterExtension
  static final LockstepNode NODE = new LockstepNode(new JsonObject()
      .put("plugins", new JsonObject().put("dir", pluginsDirWithTheJar().toString())
          .put("required", new JsonArray().add("example-plugin"))
          .put("config", new JsonObject().put("example-plugin", new JsonObject().put("count_address", "example.count"))))
      .put("settings", new JsonObject().put("keys", new JsonArray()
          .add(new JsonObject().put("pattern", "profile.username").put("scopes", new JsonArray().add("account"))
              .put("policy", "first-writer-wins").put("default", (Object) null)))));

  @Test
  void thePluginIsLoadedFromItsJar() {
    JsonArray plugins = NODE.request(HttpMethod.GET, "/v1/server/plugins", LockstepNode.API_KEY, null).bodyAsJsonObject()
        .getJsonArray("plugins");
    JsonObject example = plugins.stream().map(JsonObject.class::cast).filter(p -> "example-plugin".equals(p.getString("id")))
        .findFirst().orElseThrow();
    assertEquals("running", example.getString("state"));
    assertTrue(example.getString("source").endsWith("lockstep-example-plugin.jar"), example.getString("source"));
    assertThrows(ClassNotFoundException.class, () -> Class.forName("com.example.lockstep.ExamplePlugin"),
        "the test itself cannot see the plugin's classes: the server loaded them from the jar");
  }

  @Test
  void itsConflictPolicyDecidesAccountWrites() {
    TestDevice phone = NODE.device("zoe");
    TestDevice laptop = NODE.device("zoe");
    phone.connectAndSync();
    laptop.connectAndSync();
    JsonObject first = phone.request(set("zoe_k"));
    assertEquals("result", first.getString("type"));
    JsonObject second = laptop.request(set("zoe_the_second"));
    assertEquals("conflict", second.getString("code"));
    assertEquals("zoe_k", second.getJsonObject("current").getString("value"));
  }

  @Test
  void itsExtensionSeesEveryCommittedMessage() {
    String conversation = NODE.group("yan", "xia");
    TestDevice phone = NODE.device("yan");
    phone.connectAndSync();
    for (int i = 0; i < 3; i++) {
      phone.sendMessage(conversation, "y-" + i, "hello " + i);
    }
    JsonObject count = await(NODE.vertx().eventBus().<JsonObject>request("example.count",
        new JsonObject().put("conversation_id", conversation)).map(Message::body));
    assertEquals(3, count.getLong("count"));
  }

  private static JsonObject set(String username) {
    return new JsonObject().put("type", "settings.set").put("scope", "account").put("key", "profile.username")
        .put("value", username);
  }

  private static Path pluginsDirWithTheJar() {
    try {
      Path jar = Path.of(System.getProperty("example.plugin.jar"));
      Path dir = Files.createTempDirectory("lockstep-plugins");
      Files.copy(jar, dir.resolve(jar.getFileName()));
      return dir;
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
