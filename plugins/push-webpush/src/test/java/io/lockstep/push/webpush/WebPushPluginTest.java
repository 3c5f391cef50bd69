package io.lockstep.push.webpush;

import io.lockstep.plugin.ConfigTree;
import io.lockstep.plugin.PluginService;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.util.Base64;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The plugin's lifecycle as the server drives it: nothing served without configuration, one provider
 * with it, and a clear refusal naming the setting when the configuration is wrong. The PEM fixtures
 * are a throwaway key pair made with openssl (ecparam -genkey, then pkcs8 -topk8).
 */
class WebPushPluginTest {

  private static final KeyPair VAPID = P256.generateKeyPair();
  private static final String PUBLIC_KEY = base64Url(P256.uncompressed((ECPublicKey) VAPID.getPublic()));
  private static final String PRIVATE_KEY = base64Url(scalar((ECPrivateKey) VAPID.getPrivate()));

  private static Vertx vertx;

  @TempDir
  Path directory;

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void close() throws Exception {
    WebPushProviderTest.await(vertx.close());
  }

  @Test
  void anUnconfiguredPluginServesNothing() {
    WebPushPlugin plugin = init(new JsonObject());

    assertEquals("push-webpush", plugin.id());
    assertEquals(List.of(), plugin.services());
    assertEquals(List.of(), plugin.verticles());
  }

  @Test
  void aConfiguredPluginServesTheWebpushProvider() {
    WebPushPlugin plugin = init(valid());

    assertEquals(List.of(PluginService.pushProvider("webpush").withSubscriptionTokens()), plugin.services());
    assertEquals(1, plugin.verticles().size());
    assertTrue(plugin.verticles().get(0).get() instanceof WebPushProvider);
  }

  @Test
  void theDefaultsAreHttpsOnlyAndADayOfTtl() {
    WebPushConfig config = config(valid());

    assertEquals(86_400, config.ttlSeconds());
    assertEquals(false, config.allowHttp());
    assertEquals(10_000, config.timeoutMs());
    assertEquals(PUBLIC_KEY, config.vapidKeys().publicKeyBase64Url());
  }

  @Test
  void aWrongSettingIsRefusedByName() {
    KeyPair other = P256.generateKeyPair();
    String otherPublicKey = base64Url(P256.uncompressed((ECPublicKey) other.getPublic()));

    assertRefused(valid().put("subject", null), "subject");
    assertRefused(valid().put("subject", "ops@lockstep.example"), "subject");
    assertRefused(valid().put("vapid_public_key", null), "vapid_public_key");
    assertRefused(valid().put("vapid_private_key", null), "vapid_private_key");
    assertRefused(valid().put("vapid_public_key", base64Url(new byte[33])), "vapid_public_key");
    assertRefused(valid().put("vapid_private_key", "not*base64"), "vapid_private_key");
    assertRefused(valid().put("vapid_public_key", otherPublicKey), "does not belong");
    assertRefused(valid().put("vapid_key_file", "/nowhere/vapid.pem"), "exactly one of vapid_private_key and vapid_key_file");
    assertRefused(valid().put("ttl_seconds", -1), "ttl_seconds");
    assertRefused(valid().put("ttl_seconds", 3_000_000), "ttl_seconds");
    assertRefused(valid().put("allow_http", "yes"), "allow_http");
    assertRefused(valid().put("timeout_ms", 0), "timeout_ms");
    assertRefused(valid().put("ttl", 60), "unknown key ttl");
    assertRefused(valid().put("timeout_ms", 1.5), "plugins.config.push-webpush.timeout_ms");
  }

  @Test
  void aPemKeyFileFromOpensslIsReadWithItsPublicKey() throws Exception {
    String expected = resource("vapid-public.txt").trim();
    for (String file : List.of("vapid-sec1.pem", "vapid-pkcs8.pem")) {
      Path pem = directory.resolve(file);
      Files.writeString(pem, resource(file));

      WebPushConfig config = config(new JsonObject().put("subject", "mailto:ops@lockstep.example")
          .put("vapid_key_file", pem.toString()));

      assertEquals(expected, config.vapidKeys().publicKeyBase64Url(), file);
    }
  }

  @Test
  void aPemKeyFileWithoutItsPublicKeyNeedsVapidPublicKey() throws Exception {
    Path pem = directory.resolve("jdk.pem");
    Files.writeString(pem, "-----BEGIN PRIVATE KEY-----\n"
        + Base64.getMimeEncoder().encodeToString(VAPID.getPrivate().getEncoded()) + "\n-----END PRIVATE KEY-----\n");
    JsonObject fileOnly = new JsonObject().put("subject", "mailto:ops@lockstep.example").put("vapid_key_file", pem.toString());

    assertRefused(fileOnly, "holds no public key");
    assertEquals(PUBLIC_KEY, config(fileOnly.copy().put("vapid_public_key", PUBLIC_KEY))
        .vapidKeys().publicKeyBase64Url());
  }

  @Test
  void aKeyFileThatIsNotAP256PrivateKeyIsRefused() throws Exception {
    Path pem = directory.resolve("certificate.pem");
    Files.writeString(pem, "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");
    JsonObject config = new JsonObject().put("subject", "mailto:ops@lockstep.example").put("vapid_key_file", pem.toString());
    assertRefused(config, "holds no PRIVATE KEY");

    Files.writeString(pem, "-----BEGIN PRIVATE KEY-----\nMAMCAQA=\n-----END PRIVATE KEY-----\n");
    assertRefused(config, "vapid_key_file");
    assertRefused(config.copy().put("vapid_key_file", directory.resolve("absent.pem").toString()), "cannot be read");
  }

  private void assertRefused(JsonObject config, String mention) {
    IllegalArgumentException refusal = assertThrows(IllegalArgumentException.class, () -> init(config));
    assertTrue(refusal.getMessage().contains(mention), refusal.getMessage() + " should mention " + mention);
  }

  private static WebPushPlugin init(JsonObject config) {
    WebPushPlugin plugin = new WebPushPlugin();
    plugin.init(new WebPushProviderTest.TestContext(vertx, config));
    return plugin;
  }

  private static WebPushConfig config(JsonObject section) {
    return WebPushConfig.from(ConfigTree.pluginSection("push-webpush", section));
  }

  private static JsonObject valid() {
    return new JsonObject().put("subject", "mailto:ops@lockstep.example")
        .put("vapid_public_key", PUBLIC_KEY).put("vapid_private_key", PRIVATE_KEY);
  }

  private static String resource(String name) throws Exception {
    try (var in = WebPushPluginTest.class.getResourceAsStream("/" + name)) {
      return new String(in.readAllBytes(), StandardCharsets.US_ASCII);
    }
  }

  private static byte[] scalar(ECPrivateKey key) {
    byte[] bytes = key.getS().toByteArray();
    byte[] fixed = new byte[32];
    int length = Math.min(bytes.length, 32);
    System.arraycopy(bytes, bytes.length - length, fixed, 32 - length, length);
    return fixed;
  }

  private static String base64Url(byte[] bytes) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }
}
