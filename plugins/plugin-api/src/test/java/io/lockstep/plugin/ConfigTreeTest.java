package io.lockstep.plugin;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A plugin reading its section: defaults, text from environment variables, and refusals naming the full key. */
class ConfigTreeTest {

  @TempDir
  Path directory;

  @Test
  void absentKeysGiveTheFallbackAndTextIsReadAsItsType() {
    ConfigTree tree = ConfigTree.pluginSection("push-x", new JsonObject().put("port", "2197").put("tls", "true")
        .put("host", " push.example.net "));
    assertEquals("plugins.config.push-x", tree.path());
    assertEquals(2197, tree.longValue("port", 443, 1, 65_535));
    assertEquals(10, tree.longValue("timeout", 10, 1, 60));
    assertTrue(tree.bool("tls", false));
    assertFalse(tree.bool("debug", false));
    assertEquals("push.example.net", tree.string("host", "default"));
    assertNull(tree.string("proxy", null));
  }

  @Test
  void aWrongValueIsRefusedWithItsFullKey() {
    ConfigTree tree = ConfigTree.pluginSection("push-x", new JsonObject().put("port", 70_000).put("retries", 1.5)
        .put("tls", "yes").put("host", "  ").put("url", "ftp://example.net/x"));
    assertRefused("configuration key plugins.config.push-x.port must be a whole number from 1 to 65535, not 70000",
        () -> tree.longValue("port", 443, 1, 65_535));
    assertRefused("plugins.config.push-x.retries", () -> tree.longValue("retries", 3, 0, 10));
    assertRefused("plugins.config.push-x.tls must be true or false", () -> tree.bool("tls", false));
    assertRefused("plugins.config.push-x.host must not be blank", () -> tree.string("host", "default"));
    assertRefused("plugins.config.push-x.url must be an absolute http or https URL",
        () -> tree.httpUrl("url", "https://default.example.net"));
    assertRefused("plugins.config.push-x.topic is missing", () -> tree.string("topic"));
  }

  @Test
  void unknownKeysAndAlternativesAreChecked() {
    ConfigTree tree = ConfigTree.pluginSection("push-x", new JsonObject().put("url", "https://example.net/push")
        .put("secert", "s"));
    assertRefused("plugins.config.push-x has an unknown key secert", () -> tree.onlyKeys(Set.of("url", "secret")));
    assertEquals(URI.create("https://example.net/push"), tree.httpUrl("url", null));
    assertEquals("url", tree.exactlyOne("url", "file", "where to send"));
    assertRefused("plugins.config.push-x needs exactly one of key and key_file",
        () -> tree.exactlyOne("key", "key_file", "the signing key"));
  }

  @Test
  void filesAreReadOrRefusedByKey() throws Exception {
    Path key = Files.writeString(directory.resolve("key.pem"), "-----BEGIN PRIVATE KEY-----");
    ConfigTree tree = ConfigTree.pluginSection("push-x", new JsonObject().put("key_file", key.toString())
        .put("trust_cert", directory.resolve("missing.pem").toString()));
    assertEquals("-----BEGIN PRIVATE KEY-----", tree.fileText("key_file"));
    assertNull(tree.fileText("other_file"));
    assertRefused("plugins.config.push-x.trust_cert names " + directory.resolve("missing.pem"),
        () -> tree.readableFile("trust_cert"));
  }

  private static void assertRefused(String message, Runnable read) {
    IllegalArgumentException refused = assertThrows(IllegalArgumentException.class, read::run);
    assertTrue(refused.getMessage().contains(message), refused.getMessage());
  }
}
