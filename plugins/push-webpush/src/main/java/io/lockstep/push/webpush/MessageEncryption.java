package io.lockstep.push.webpush;

import javax.crypto.Cipher;
import javax.crypto.KeyAgreement;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.security.interfaces.ECPublicKey;
import java.util.Arrays;

/**
 * Encrypts a push message for one subscription as RFC 8291 prescribes, in the aes128gcm content coding
 * of RFC 8188: a fresh ephemeral P-256 key pair and a random 16-byte salt per message, ECDH with the
 * subscription's p256dh key, HKDF-SHA-256 mixing in the subscription's auth secret, then AES-128-GCM
 * over a single record of size 4096. Only the browser holding the subscription's private key can read
 * the result; the push service sees ciphertext.
 *
 * @implNote HKDF is HMAC-SHA-256 extract then one block of expand (every derived key is at most 32
 *     bytes); all primitives are the JDK's own (SunEC, SunJCE).
 */
final class MessageEncryption {

  /** The record size written in the header; one record carries the whole message. */
  static final int RECORD_SIZE = 4096;

  /**
   * The largest plaintext a push service must accept: 4096 bytes of body minus the 86-byte header,
   * the 16-byte tag and the 1-byte padding delimiter (RFC 8291, section 4).
   */
  static final int MAX_PLAINTEXT = 3993;

  private static final int SALT_LENGTH = 16;
  private static final int TAG_BITS = 128;
  private static final byte LAST_RECORD_DELIMITER = 0x02;
  private static final byte[] KEY_INFO = ascii("WebPush: info\0");
  private static final byte[] CEK_INFO = ascii("Content-Encoding: aes128gcm\0");
  private static final byte[] NONCE_INFO = ascii("Content-Encoding: nonce\0");
  private static final SecureRandom RANDOM = new SecureRandom();

  private MessageEncryption() {
  }

  /** The request body for {@code plaintext} (at most {@link #MAX_PLAINTEXT} bytes). */
  static byte[] encrypt(byte[] plaintext, ECPublicKey userAgentKey, byte[] authSecret) {
    byte[] salt = new byte[SALT_LENGTH];
    RANDOM.nextBytes(salt);
    return encrypt(plaintext, userAgentKey, authSecret, P256.generateKeyPair(), salt);
  }

  /** The same with the ephemeral key pair and the salt given, as RFC 8291's worked example needs. */
  static byte[] encrypt(byte[] plaintext, ECPublicKey userAgentKey, byte[] authSecret, KeyPair ephemeral, byte[] salt) {
    if (plaintext.length > MAX_PLAINTEXT) {
      throw new IllegalArgumentException("the payload has " + plaintext.length + " bytes, more than the "
          + MAX_PLAINTEXT + " a push message can carry");
    }
    try {
      byte[] userAgentPublic = P256.uncompressed(userAgentKey);
      byte[] serverPublic = P256.uncompressed((ECPublicKey) ephemeral.getPublic());

      KeyAgreement agreement = KeyAgreement.getInstance("ECDH");
      agreement.init(ephemeral.getPrivate());
      agreement.doPhase(userAgentKey, true);
      byte[] sharedSecret = agreement.generateSecret();

      byte[] keyInfo = concat(KEY_INFO, userAgentPublic, serverPublic);
      byte[] inputKeyingMaterial = hkdf(authSecret, sharedSecret, keyInfo, 32);
      byte[] contentKey = hkdf(salt, inputKeyingMaterial, CEK_INFO, 16);
      byte[] nonce = hkdf(salt, inputKeyingMaterial, NONCE_INFO, 12);

      Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
      cipher.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(contentKey, "AES"), new GCMParameterSpec(TAG_BITS, nonce));
      byte[] record = cipher.doFinal(concat(plaintext, new byte[] {LAST_RECORD_DELIMITER}));

      return ByteBuffer.allocate(SALT_LENGTH + 4 + 1 + serverPublic.length + record.length)
          .put(salt)
          .putInt(RECORD_SIZE)
          .put((byte) serverPublic.length)
          .put(serverPublic)
          .put(record)
          .array();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("encrypting the push message failed: " + e.getMessage(), e);
    }
  }

  private static byte[] hkdf(byte[] salt, byte[] inputKeyingMaterial, byte[] info, int length)
      throws GeneralSecurityException {
    byte[] pseudoRandomKey = hmac(salt, inputKeyingMaterial);
    byte[] firstBlock = hmac(pseudoRandomKey, concat(info, new byte[] {0x01}));
    return Arrays.copyOf(firstBlock, length);
  }

  private static byte[] hmac(byte[] key, byte[] data) throws GeneralSecurityException {
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(key, "HmacSHA256"));
    return mac.doFinal(data);
  }

  private static byte[] concat(byte[]... parts) {
    int length = 0;
    for (byte[] part : parts) {
      length += part.length;
    }
    ByteBuffer buffer = ByteBuffer.allocate(length);
    for (byte[] part : parts) {
      buffer.put(part);
    }
    return buffer.array();
  }

  private static byte[] ascii(String text) {
    return text.getBytes(StandardCharsets.US_ASCII);
  }
}
