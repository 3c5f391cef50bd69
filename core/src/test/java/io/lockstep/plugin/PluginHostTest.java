package io.lockstep.plugin;

import io.lockstep.LockstepServer;
import io.lockstep.config.ConfigLoader;
import io.lockstep.store.PostgresTarget;
import io.lockstep.test.LockstepNode;
import io.lockstep.test.TestStores;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;

import static io.lockstep.test.LockstepNode.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Plugins load from the class path and the plugins directory; a broken one is reported, not fatal. */
class PluginHostTest {

  private static final Path PLUGINS_DIR = brokenPluginsDir();

  @RegisterExtension
  static final LockstepNode NODE = new LockstepNode(new JsonObject()
      .put("plugins", new JsonObject().put("dir", PLUGINS_DIR.toString())));

  @Test
  void theStandardPoliciesAreLoadedAndABrokenJarIsReportedWithItsReason() {
    HttpResponse<Buffer> response = NODE.request(HttpMethod.GET, "/v1/server/plugins", LockstepNode.API_KEY, null);
    assertEquals(200, response.statusCode());
    JsonArray plugins = response.bodyAsJsonObject().getJsonArray("plugins");

    JsonObject standard = find(plugins, "conflict-standard");
    assertEquals("running", standard.getString("state"));
    assertEquals("classpath", standard.getString("source"));
    assertEquals(5, standard.getJsonArray("services").size());
    assertTrue(standard.getJsonArray("services").stream().map(JsonObject.class::cast)
        .anyMatch(s -> "lockstep.conflict.union".equals(s.getString("address")) && "conflict-policy".equals(s.getString("contract"))));

    JsonObject broken = plugins.stream().map(JsonObject.class::cast).filter(p -> "failed".equals(p.getString("state")))
        .findFirst().orElseThrow(() -> new AssertionError("the broken jar is listed: " + plugins));
    assertTrue(broken.getString("source").endsWith("broken.jar"));
    assertTrue(broken.getString("error").contains("com.example.Missing"), broken.getString("error"));
    assertEquals(401, NODE.request(HttpMethod.GET, "/v1/server/plugins", null, null).statusCode());
  }

  @Test
  void aRequiredPluginThatDoesNotLoadStopsTheNode() {
    Vertx vertx = Vertx.vertx();
    PostgresTarget database = TestStores.createDatabase();
    try {
      JsonObject overrides = new JsonObject()
          .put("http", new JsonObject().put("host", "127.0.0.1").put("port", 0))
          .put("pg", new JsonObject().put("url", database.url()))
          .put("redis", new JsonObject().put("url", TestStores.redisUrl()).put("key_prefix", TestStores.newRedisPrefix()))
          .put("jwt", new JsonObject().put("secret", LockstepNode.JWT_SECRET))
          .put("plugins", new JsonObject().put("dir", PLUGINS_DIR.toString())
              .put("required", new JsonArray().add("push-carrier-pigeon")));
      IllegalStateException failure = assertThrows(IllegalStateException.class,
          () -> await(ConfigLoader.load(vertx, overrides).compose(config -> LockstepServer.start(vertx, config))));
      assertTrue(failure.getMessage().contains("required plugin push-carrier-pigeon did not load"), failure.getMessage());
    } finally {
      await(vertx.close());
      TestStores.dropDatabase(database);
    }
  }

  private static JsonObject find(JsonArray plugins, String id) {
    return plugins.stream().map(JsonObject.class::cast).filter(p -> id.equals(p.getString("id"))).findFirst()
        .orElseThrow(() -> new AssertionError("no plugin " + id + " in " + plugins));
  }

  /** A plugins folder with one jar whose service entry names a class that does not exist. */
  private static Path brokenPluginsDir() {
    try {
      Path dir = Files.createTempDirectory("lockstep-plugins");
      try (OutputStream file = Files.newOutputStream(dir.resolve("broken.jar"));
           JarOutputStream jar = new JarOutputStream(file)) {
        jar.putNextEntry(new JarEntry("META-INF/services/io.lockstep.plugin.LockstepPlugin"));
        jar.write("com.example.Missing\n".getBytes(StandardCharsets.UTF_8));
        jar.closeEntry();
      }
      return dir;
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
