package io.lockstep.push.webpush;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.util.Base64;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/** The encryption against RFC 8291's worked example (Appendix A), and the test's decryption against it too. */
class MessageEncryptionTest {

  private static final String PLAINTEXT = "When I grow up, I want to be a watermelon";
  private static final String SERVER_PUBLIC = "BP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A8";
  private static final String SERVER_PRIVATE = "yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw";
  private static final String USER_AGENT_PUBLIC = "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4";
  private static final String USER_AGENT_PRIVATE = "q1dXpw3UpT5VOmu_cf_v6ih07Aems3njxI-JWgLcM94";
  private static final String SALT = "DGv6ra1nlYgDCS1FRnbzlw";
  private static final String AUTH_SECRET = "BTBZMqHH6r4Tts7J_aSIgg";
  private static final String MESSAGE = "DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vC"
      + "YLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A_yl95bQpu6cVPTpK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_Qulcy4a-fN";

  @Test
  void encryptsTheRfcExampleByteForByte() {
    KeyPair ephemeral = new KeyPair(P256.publicKey(decode(SERVER_PUBLIC)), P256.privateKey(decode(SERVER_PRIVATE)));

    byte[] body = MessageEncryption.encrypt(PLAINTEXT.getBytes(StandardCharsets.UTF_8),
        P256.publicKey(decode(USER_AGENT_PUBLIC)), decode(AUTH_SECRET), ephemeral, decode(SALT));

    assertEquals(MESSAGE, Base64.getUrlEncoder().withoutPadding().encodeToString(body));
  }

  @Test
  void theTestsBrowserDecryptsTheRfcExample() throws Exception {
    UserAgent browser = UserAgent.of(USER_AGENT_PRIVATE, USER_AGENT_PUBLIC, AUTH_SECRET);

    UserAgent.Decrypted decrypted = browser.decrypt(decode(MESSAGE));

    assertEquals(4096, decrypted.recordSize());
    assertEquals(PLAINTEXT, decrypted.text());
  }

  @Test
  void everyMessageHasItsOwnSaltAndEphemeralKey() throws Exception {
    UserAgent browser = UserAgent.create();
    var subscription = PushSubscription.parse(browser.subscription("https://push.example/x"), false);
    byte[] plaintext = PLAINTEXT.getBytes(StandardCharsets.UTF_8);

    byte[] first = MessageEncryption.encrypt(plaintext, subscription.userAgentKey(), subscription.authSecret());
    byte[] second = MessageEncryption.encrypt(plaintext, subscription.userAgentKey(), subscription.authSecret());

    assertNotEquals(Base64.getEncoder().encodeToString(first), Base64.getEncoder().encodeToString(second));
    assertArrayEquals(plaintext, browser.decrypt(first).plaintext());
    assertArrayEquals(plaintext, browser.decrypt(second).plaintext());
  }

  private static byte[] decode(String base64Url) {
    return Base64.getUrlDecoder().decode(base64Url);
  }
}
