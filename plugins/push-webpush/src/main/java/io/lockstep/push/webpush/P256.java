package io.lockstep.push.webpush;

import java.math.BigInteger;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECFieldFp;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECPoint;
import java.security.spec.ECPrivateKeySpec;
import java.security.spec.ECPublicKeySpec;
import java.util.Arrays;

/**
 * NIST P-256 keys in the raw forms Web Push uses: a public key is a 65-byte uncompressed point
 * ({@code 0x04 || X || Y}), a private key a 32-byte scalar. A point is accepted only if it lies on the
 * curve, so a forged subscription key cannot leak anything through ECDH.
 */
final class P256 {

  static final int PUBLIC_KEY_LENGTH = 65;
  static final int PRIVATE_KEY_LENGTH = 32;
  private static final int COORDINATE_LENGTH = 32;

  static final ECParameterSpec PARAMETERS = parameters();
  private static final BigInteger PRIME = ((ECFieldFp) PARAMETERS.getCurve().getField()).getP();

  private P256() {
  }

  /** The key of an uncompressed point; IllegalArgumentException when the bytes are not a point of P-256. */
  static ECPublicKey publicKey(byte[] uncompressed) {
    if (uncompressed.length != PUBLIC_KEY_LENGTH || uncompressed[0] != 0x04) {
      throw new IllegalArgumentException("is not an uncompressed P-256 point (65 bytes starting with 0x04)");
    }
    BigInteger x = new BigInteger(1, Arrays.copyOfRange(uncompressed, 1, 1 + COORDINATE_LENGTH));
    BigInteger y = new BigInteger(1, Arrays.copyOfRange(uncompressed, 1 + COORDINATE_LENGTH, PUBLIC_KEY_LENGTH));
    if (!onCurve(x, y)) {
      throw new IllegalArgumentException("is not a point on the P-256 curve");
    }
    try {
      return (ECPublicKey) KeyFactory.getInstance("EC").generatePublic(new ECPublicKeySpec(new ECPoint(x, y), PARAMETERS));
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException("is not a usable P-256 public key: " + e.getMessage(), e);
    }
  }

  /** The key of a big-endian scalar; IllegalArgumentException when it is out of range. */
  static ECPrivateKey privateKey(byte[] scalar) {
    BigInteger d = new BigInteger(1, scalar);
    if (scalar.length > PRIVATE_KEY_LENGTH || d.signum() == 0 || d.compareTo(PARAMETERS.getOrder()) >= 0) {
      throw new IllegalArgumentException("is not a P-256 private key (a 32-byte scalar below the curve order)");
    }
    try {
      return (ECPrivateKey) KeyFactory.getInstance("EC").generatePrivate(new ECPrivateKeySpec(d, PARAMETERS));
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException("is not a usable P-256 private key: " + e.getMessage(), e);
    }
  }

  static byte[] uncompressed(ECPublicKey key) {
    byte[] point = new byte[PUBLIC_KEY_LENGTH];
    point[0] = 0x04;
    writeCoordinate(key.getW().getAffineX(), point, 1);
    writeCoordinate(key.getW().getAffineY(), point, 1 + COORDINATE_LENGTH);
    return point;
  }

  static KeyPair generateKeyPair() {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
      generator.initialize(PARAMETERS);
      return generator.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("this JDK cannot generate P-256 keys", e);
    }
  }

  private static boolean onCurve(BigInteger x, BigInteger y) {
    if (x.compareTo(PRIME) >= 0 || y.compareTo(PRIME) >= 0) {
      return false;
    }
    BigInteger a = PARAMETERS.getCurve().getA();
    BigInteger b = PARAMETERS.getCurve().getB();
    BigInteger left = y.multiply(y).mod(PRIME);
    BigInteger right = x.pow(3).add(a.multiply(x)).add(b).mod(PRIME);
    return left.equals(right);
  }

  private static void writeCoordinate(BigInteger value, byte[] target, int offset) {
    byte[] bytes = value.toByteArray();
    int length = Math.min(bytes.length, COORDINATE_LENGTH);
    System.arraycopy(bytes, bytes.length - length, target, offset + COORDINATE_LENGTH - length, length);
  }

  private static ECParameterSpec parameters() {
    try {
      AlgorithmParameters parameters = AlgorithmParameters.getInstance("EC");
      parameters.init(new ECGenParameterSpec("secp256r1"));
      return parameters.getParameterSpec(ECParameterSpec.class);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("this JDK does not support the P-256 curve", e);
    }
  }
}
