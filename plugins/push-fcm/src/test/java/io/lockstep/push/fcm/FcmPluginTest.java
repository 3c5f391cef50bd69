package io.lockstep.push.fcm;

import io.lockstep.plugin.ConfigTree;
import io.lockstep.plugin.LockstepPlugin;
import io.lockstep.plugin.PluginService;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.util.List;
import java.util.ServiceLoader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** How the plugin reads its configuration section, and what it serves with and without one. */
class FcmPluginTest {

  private static KeyPair keys;

  @TempDir
  Path directory;

  @BeforeAll
  static void generateKey() throws Exception {
    keys = ServiceAccounts.newKeyPair();
  }

  @Test
  void theServerFindsThePluginByItsId() {
    List<String> ids = ServiceLoader.load(LockstepPlugin.class).stream().map(provider -> provider.get().id()).toList();
    assertTrue(ids.contains("push-fcm"), ids.toString());
  }

  @Test
  void anUnconfiguredPluginServesNothing() {
    FcmPlugin plugin = init(new JsonObject());

    assertEquals(List.of(), plugin.services());
    assertEquals(List.of(), plugin.verticles());
  }

  @Test
  void aConfiguredPluginServesTheFcmProvider() throws Exception {
    FcmPlugin plugin = init(new JsonObject().put("service_account_file", keyFile().toString()));

    assertEquals(List.of(PluginService.pushProvider("fcm")), plugin.services());
    assertEquals(1, plugin.verticles().size());
  }

  @Test
  void defaultsComeFromTheServiceAccountAndGoogle() throws Exception {
    FcmConfig config = config(new JsonObject().put("service_account_file", keyFile().toString()));

    assertEquals("lockstep-test", config.projectId());
    assertEquals("https://oauth2.googleapis.com/token", config.tokenEndpoint());
    assertEquals("https://fcm.googleapis.com/v1/projects/lockstep-test/messages:send", config.sendEndpoint());
    assertEquals(10_000, config.requestTimeoutMs());
    assertEquals(FcmStandIn.CLIENT_EMAIL, config.serviceAccount().clientEmail());
    assertEquals(FcmStandIn.KEY_ID, config.serviceAccount().privateKeyId());
  }

  @Test
  void credentialsAreRequiredExactlyOnce() throws Exception {
    assertRefused(new JsonObject().put("project_id", "p"), "service_account_file");
    assertRefused(new JsonObject().put("service_account_file", keyFile().toString())
        .put("service_account", account()), "exactly one");
  }

  @Test
  void anUnreadableOrMalformedKeyFileIsRefused() throws Exception {
    assertRefused(new JsonObject().put("service_account_file", directory.resolve("missing.json").toString()), "cannot be read");
    Path notJson = Files.writeString(directory.resolve("not.json"), "client_email: x");
    assertRefused(new JsonObject().put("service_account_file", notJson.toString()), "not a JSON object");
  }

  @Test
  void aServiceAccountMissingItsIdentityIsRefused() {
    JsonObject noEmail = account();
    noEmail.remove("client_email");
    assertRefused(new JsonObject().put("service_account", noEmail), "client_email");
    JsonObject noKeyId = account();
    noKeyId.remove("private_key_id");
    assertRefused(new JsonObject().put("service_account", noKeyId), "private_key_id");
    assertRefused(new JsonObject().put("service_account", account().put("type", "authorized_user")), "authorized_user");
  }

  @Test
  void aProjectIsRequired() {
    JsonObject noProject = account();
    noProject.remove("project_id");
    assertRefused(new JsonObject().put("service_account", noProject), "project_id");
    assertEquals("mine", config(new JsonObject().put("service_account", noProject).put("project_id", "mine")).projectId());
  }

  @Test
  void onlyAPkcs8RsaKeyOfAtLeast2048BitsIsAccepted() throws Exception {
    assertRefused(new JsonObject().put("service_account", account().put("private_key", "not a key")), "private_key");
    assertRefused(new JsonObject().put("service_account", account().put("private_key",
        "-----BEGIN RSA PRIVATE KEY-----\nMIIEow==\n-----END RSA PRIVATE KEY-----\n")), "PKCS#1");
    KeyPairGenerator ec = KeyPairGenerator.getInstance("EC");
    assertRefused(new JsonObject().put("service_account", account().put("private_key",
        ServiceAccounts.pem(ec.generateKeyPair().getPrivate()))), "private_key");
    KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
    rsa.initialize(1024);
    assertRefused(new JsonObject().put("service_account", account().put("private_key",
        ServiceAccounts.pem(rsa.generateKeyPair().getPrivate()))), "1024 bits");
  }

  @Test
  void endpointsAndTimeoutAreChecked() {
    assertRefused(new JsonObject().put("service_account", account()).put("send_endpoint", "fcm.googleapis.com"), "send_endpoint");
    assertRefused(new JsonObject().put("service_account", account()).put("token_endpoint", "ftp://x/token"), "token_endpoint");
    assertRefused(new JsonObject().put("service_account", account()).put("request_timeout_ms", 0), "request_timeout_ms");
    assertRefused(new JsonObject().put("service_account", account()).put("sendEndpoint", "https://x"), "unknown key sendEndpoint");
  }

  private static void assertRefused(JsonObject config, String mentioning) {
    IllegalArgumentException refused = assertThrows(IllegalArgumentException.class, () -> init(config));
    assertTrue(refused.getMessage().contains(mentioning), refused.getMessage());
    assertTrue(refused.getMessage().contains("plugins.config.push-fcm"), refused.getMessage());
  }

  private static FcmPlugin init(JsonObject config) {
    FcmPlugin plugin = new FcmPlugin();
    plugin.init(new ServiceAccounts.Context(null, config, "node-1"));
    return plugin;
  }

  private static FcmConfig config(JsonObject section) {
    return FcmConfig.from(ConfigTree.pluginSection("push-fcm", section));
  }

  private static JsonObject account() {
    return ServiceAccounts.json(keys, "lockstep-test", null);
  }

  private Path keyFile() throws Exception {
    return ServiceAccounts.write(directory, ServiceAccounts.json(keys, "lockstep-test", "https://oauth2.googleapis.com/token"));
  }
}
