package io.lockstep.push.fcm;

import io.lockstep.plugin.PluginContext;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.util.Base64;

/** Google service-account keys made up for the tests, in the JSON form Google hands out. */
final class ServiceAccounts {

  private ServiceAccounts() {
  }

  static KeyPair newKeyPair() throws GeneralSecurityException {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
    generator.initialize(2048);
    return generator.generateKeyPair();
  }

  /** The key file's content: PKCS#8 private key in PEM, as Google writes it. */
  static JsonObject json(KeyPair keys, String projectId, String tokenUri) {
    return new JsonObject()
        .put("type", "service_account")
        .put("project_id", projectId)
        .put("private_key_id", FcmStandIn.KEY_ID)
        .put("private_key", pem(keys.getPrivate()))
        .put("client_email", FcmStandIn.CLIENT_EMAIL)
        .put("client_id", "104526783812090513372")
        .put("auth_uri", "https://accounts.google.com/o/oauth2/auth")
        .put("token_uri", tokenUri);
  }

  static String pem(PrivateKey key) {
    return "-----BEGIN PRIVATE KEY-----\n" + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(key.getEncoded())
        + "\n-----END PRIVATE KEY-----\n";
  }

  static Path write(Path directory, JsonObject account) throws IOException {
    return Files.writeString(Files.createTempFile(directory, "service-account", ".json"), account.encodePrettily());
  }

  /** What the server hands a plugin at init. */
  record Context(Vertx vertx, JsonObject config, String nodeId) implements PluginContext {
  }
}
