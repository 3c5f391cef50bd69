package io.lockstep.push.webpush;

import io.vertx.core.json.JsonObject;

import javax.crypto.Cipher;
import javax.crypto.KeyAgreement;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.AlgorithmParameters;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECPoint;
import java.security.spec.ECPrivateKeySpec;
import java.security.spec.ECPublicKeySpec;
import java.util.Arrays;
import java.util.Base64;

/**
 * The browser's side of a push subscription: its own P-256 key pair and 16-byte auth secret, and the
 * RFC 8291 decryption a browser applies to a received push message. Written from the RFC with the JDK's
 * primitives and none of the provider's code, so a message that decrypts here was encrypted right.
 */
final class UserAgent {

  private static final ECParameterSpec P256 = p256();

  private final PrivateKey privateKey;
  private final byte[] publicKey;
  private final byte[] authSecret;

  private UserAgent(PrivateKey privateKey, byte[] publicKey, byte[] authSecret) {
    this.privateKey = privateKey;
    this.publicKey = publicKey;
    this.authSecret = authSecret;
  }

  /** A browser with fresh keys, as PushManager.subscribe() makes them. */
  static UserAgent create() throws Exception {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
    generator.initialize(new ECGenParameterSpec("secp256r1"));
    KeyPair keys = generator.generateKeyPair();
    byte[] auth = new byte[16];
    new SecureRandom().nextBytes(auth);
    return new UserAgent(keys.getPrivate(), encodePoint((ECPublicKey) keys.getPublic()), auth);
  }

  /** A browser with the given keys (base64url), such as RFC 8291's example's. */
  static UserAgent of(String privateKey, String publicKey, String authSecret) throws Exception {
    PrivateKey key = KeyFactory.getInstance("EC")
        .generatePrivate(new ECPrivateKeySpec(new BigInteger(1, base64Url(privateKey)), P256));
    return new UserAgent(key, base64Url(publicKey), base64Url(authSecret));
  }

  /** What PushSubscription.toJSON() gives the page, and the page registers as the device's token. */
  JsonObject subscription(String endpoint) {
    return new JsonObject()
        .put("endpoint", endpoint)
        .putNull("expirationTime")
        .put("keys", new JsonObject()
            .put("p256dh", Base64.getUrlEncoder().withoutPadding().encodeToString(publicKey))
            .put("auth", Base64.getUrlEncoder().withoutPadding().encodeToString(authSecret)));
  }

  /** A received aes128gcm body's header and plaintext. */
  record Decrypted(int recordSize, byte[] plaintext) {

    String text() {
      return new String(plaintext, StandardCharsets.UTF_8);
    }
  }

  /** Decrypts a push message body (RFC 8188 header, one record, RFC 8291 keys). */
  Decrypted decrypt(byte[] body) throws Exception {
    ByteBuffer in = ByteBuffer.wrap(body);
    byte[] salt = new byte[16];
    in.get(salt);
    int recordSize = in.getInt();
    byte[] senderKey = new byte[in.get() & 0xff];
    in.get(senderKey);
    byte[] record = new byte[in.remaining()];
    in.get(record);
    if (record.length > recordSize) {
      throw new IllegalStateException("the message has more than one record");
    }

    KeyAgreement agreement = KeyAgreement.getInstance("ECDH");
    agreement.init(privateKey);
    agreement.doPhase(decodePoint(senderKey), true);
    byte[] ecdhSecret = agreement.generateSecret();

    byte[] keyInfo = join("WebPush: info\0".getBytes(StandardCharsets.US_ASCII), publicKey, senderKey);
    byte[] ikm = expand(extract(authSecret, ecdhSecret), keyInfo, 32);
    byte[] prk = extract(salt, ikm);
    byte[] contentKey = expand(prk, "Content-Encoding: aes128gcm\0".getBytes(StandardCharsets.US_ASCII), 16);
    byte[] nonce = expand(prk, "Content-Encoding: nonce\0".getBytes(StandardCharsets.US_ASCII), 12);

    Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
    cipher.init(Cipher.DECRYPT_MODE, new SecretKeySpec(contentKey, "AES"), new GCMParameterSpec(128, nonce));
    byte[] padded = cipher.doFinal(record);
    int end = padded.length - 1;
    while (end >= 0 && padded[end] == 0) {
      end--;
    }
    if (end < 0 || padded[end] != 0x02) {
      throw new IllegalStateException("the record does not end with the last-record delimiter 0x02");
    }
    return new Decrypted(recordSize, Arrays.copyOf(padded, end));
  }

  private static byte[] extract(byte[] salt, byte[] ikm) throws Exception {
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(salt, "HmacSHA256"));
    return mac.doFinal(ikm);
  }

  private static byte[] expand(byte[] prk, byte[] info, int length) throws Exception {
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(prk, "HmacSHA256"));
    mac.update(info);
    mac.update((byte) 1);
    return Arrays.copyOf(mac.doFinal(), length);
  }

  static PublicKey decodePoint(byte[] point) throws Exception {
    if (point.length != 65 || point[0] != 4) {
      throw new IllegalArgumentException("not an uncompressed point");
    }
    BigInteger x = new BigInteger(1, Arrays.copyOfRange(point, 1, 33));
    BigInteger y = new BigInteger(1, Arrays.copyOfRange(point, 33, 65));
    return KeyFactory.getInstance("EC").generatePublic(new ECPublicKeySpec(new ECPoint(x, y), P256));
  }

  static byte[] encodePoint(ECPublicKey key) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(4);
    out.writeBytes(fixed32(key.getW().getAffineX()));
    out.writeBytes(fixed32(key.getW().getAffineY()));
    return out.toByteArray();
  }

  static byte[] base64Url(String text) {
    return Base64.getUrlDecoder().decode(text);
  }

  private static byte[] fixed32(BigInteger value) {
    byte[] bytes = value.toByteArray();
    byte[] fixed = new byte[32];
    int length = Math.min(bytes.length, 32);
    System.arraycopy(bytes, bytes.length - length, fixed, 32 - length, length);
    return fixed;
  }

  private static byte[] join(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] part : parts) {
      out.writeBytes(part);
    }
    return out.toByteArray();
  }

  private static ECParameterSpec p256() {
    try {
      AlgorithmParameters parameters = AlgorithmParameters.getInstance("EC");
      parameters.init(new ECGenParameterSpec("secp256r1"));
      return parameters.getParameterSpec(ECParameterSpec.class);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
