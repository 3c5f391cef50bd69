package io.lockstep.auth;

import io.lockstep.client.Transport;
import io.lockstep.test.LockstepNode;
import io.lockstep.test.TestDevice;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.util.Base64;

import static io.lockstep.test.LockstepNode.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Tokens signed by the integrator's own auth service (ES256), verified with the configured public key. */
class PublicKeyTokenTest {

  private static final KeyPair SIGNER = ecKeyPair();
  private static final KeyPair STRANGER = ecKeyPair();
  private static final Vertx SIGNING = Vertx.vertx();

  @RegisterExtension
  static final LockstepNode NODE = new LockstepNode(new JsonObject().put("jwt", new JsonObject()
      .put("algorithm", "ES256").put("public_key", pem("PUBLIC KEY", SIGNER.getPublic().getEncoded()))
      .put("secret", "")));

  @AfterAll
  static void closeSigner() {
    await(SIGNING.close());
  }

  @Test
  void aTokenSignedWithTheMatchingPrivateKeyIsAccepted() {
    TestDevice phone = NODE.deviceWithToken(sign(SIGNER, "ola"), Transport.WEBSOCKET);
    phone.connect();
    JsonObject welcome = phone.hello();
    assertEquals("welcome", welcome.getString("type"));
    assertEquals("ola", welcome.getString("user_id"));
  }

  @Test
  void aTokenSignedWithAnotherKeyIsRefused() {
    TestDevice phone = NODE.deviceWithToken(sign(STRANGER, "ola"), Transport.WEBSOCKET);
    phone.connect();
    assertEquals("unauthorized", phone.hello().getString("code"));
    assertEquals(4001, phone.awaitClose(Duration.ofSeconds(5)));
  }

  private static String sign(KeyPair keys, String userId) {
    JWTAuth issuer = JWTAuth.create(SIGNING, new JWTAuthOptions().addPubSecKey(new PubSecKeyOptions()
        .setAlgorithm("ES256").setBuffer(pem("PRIVATE KEY", keys.getPrivate().getEncoded()))));
    return issuer.generateToken(new JsonObject().put("sub", userId),
        new JWTOptions().setAlgorithm("ES256").setExpiresInMinutes(10));
  }

  private static String pem(String type, byte[] der) {
    return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(der)
        + "\n-----END " + type + "-----\n";
  }

  private static KeyPair ecKeyPair() {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
      generator.initialize(new ECGenParameterSpec("secp256r1"));
      return generator.generateKeyPair();
    } catch (NoSuchAlgorithmException | java.security.InvalidAlgorithmParameterException e) {
      throw new IllegalStateException(e);
    }
  }
}
