package io.lockstep.push.webpush;

import java.util.Arrays;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a P-256 private key from PEM text, in the two unencrypted forms openssl and the usual VAPID
 * tools write: PKCS #8 ({@code BEGIN PRIVATE KEY}) and SEC 1 ({@code BEGIN EC PRIVATE KEY}). Both
 * normally embed the public key too; it is returned when present. Other blocks in the file (such as
 * {@code EC PARAMETERS}) are skipped.
 *
 * @implNote A minimal DER reader walks the few structures involved; the keys themselves are built and
 *     checked by the JDK through {@link P256}.
 */
final class PemKeyFile {

  private static final Pattern BLOCK = Pattern.compile("-----BEGIN ([A-Z0-9 ]+)-----([^-]*)-----END \\1-----");
  private static final int SEQUENCE = 0x30;
  private static final int INTEGER = 0x02;
  private static final int OCTET_STRING = 0x04;
  private static final int BIT_STRING = 0x03;
  private static final int OBJECT_IDENTIFIER = 0x06;
  private static final int PARAMETERS_TAG = 0xA0;
  private static final int PUBLIC_KEY_TAG = 0xA1;
  /** 1.2.840.10045.2.1, id-ecPublicKey. */
  private static final byte[] EC_PUBLIC_KEY = {0x2A, (byte) 0x86, 0x48, (byte) 0xCE, 0x3D, 0x02, 0x01};
  /** 1.2.840.10045.3.1.7, prime256v1 (P-256). */
  private static final byte[] PRIME256V1 = {0x2A, (byte) 0x86, 0x48, (byte) 0xCE, 0x3D, 0x03, 0x01, 0x07};

  /** The private scalar, and the uncompressed public point or null when the file does not hold it. */
  record Contents(byte[] privateKey, byte[] publicKey) {
  }

  private PemKeyFile() {
  }

  /** The key in {@code pem}; IllegalArgumentException with a sentence when there is none or it is not P-256. */
  static Contents read(String pem) {
    Matcher block = BLOCK.matcher(pem);
    while (block.find()) {
      String label = block.group(1);
      if (label.equals("ENCRYPTED PRIVATE KEY")) {
        throw new IllegalArgumentException("holds an encrypted private key; store it unencrypted");
      }
      if (label.equals("PRIVATE KEY") || label.equals("EC PRIVATE KEY")) {
        byte[] der;
        try {
          der = Base64.getMimeDecoder().decode(block.group(2).trim());
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException("holds a " + label + " block that is not base64", e);
        }
        return label.equals("PRIVATE KEY") ? pkcs8(der) : sec1(der);
      }
    }
    throw new IllegalArgumentException("holds no PRIVATE KEY or EC PRIVATE KEY block");
  }

  private static Contents pkcs8(byte[] der) {
    Der privateKeyInfo = new Der(new Der(der).next(SEQUENCE));
    privateKeyInfo.next(INTEGER);
    Der algorithm = new Der(privateKeyInfo.next(SEQUENCE));
    if (!Arrays.equals(algorithm.next(OBJECT_IDENTIFIER), EC_PUBLIC_KEY)
        || !Arrays.equals(algorithm.next(OBJECT_IDENTIFIER), PRIME256V1)) {
      throw new IllegalArgumentException("holds a private key that is not a P-256 (prime256v1) EC key");
    }
    return sec1(privateKeyInfo.next(OCTET_STRING));
  }

  private static Contents sec1(byte[] der) {
    Der ecPrivateKey = new Der(new Der(der).next(SEQUENCE));
    ecPrivateKey.next(INTEGER);
    byte[] privateKey = ecPrivateKey.next(OCTET_STRING);
    if (ecPrivateKey.at(PARAMETERS_TAG)
        && !Arrays.equals(new Der(ecPrivateKey.next(PARAMETERS_TAG)).next(OBJECT_IDENTIFIER), PRIME256V1)) {
      throw new IllegalArgumentException("holds an EC private key that is not on the P-256 (prime256v1) curve");
    }
    byte[] publicKey = null;
    if (ecPrivateKey.at(PUBLIC_KEY_TAG)) {
      byte[] bits = new Der(ecPrivateKey.next(PUBLIC_KEY_TAG)).next(BIT_STRING);
      if (bits.length < 2 || bits[0] != 0) {
        throw malformed();
      }
      publicKey = Arrays.copyOfRange(bits, 1, bits.length);
    }
    return new Contents(privateKey, publicKey);
  }

  /** Reads DER elements one after the other from a byte range. */
  private static final class Der {

    private final byte[] bytes;
    private int position;

    Der(byte[] bytes) {
      this.bytes = bytes;
    }

    boolean at(int tag) {
      return position < bytes.length && (bytes[position] & 0xff) == tag;
    }

    /** The content of the next element, which must carry {@code tag}. */
    byte[] next(int tag) {
      if (!at(tag)) {
        throw malformed();
      }
      position++;
      int length = readByte();
      if (length >= 0x80) {
        int lengthBytes = length & 0x7f;
        if (lengthBytes == 0 || lengthBytes > 3) {
          throw malformed();
        }
        length = 0;
        for (int i = 0; i < lengthBytes; i++) {
          length = (length << 8) | readByte();
        }
      }
      if (length > bytes.length - position) {
        throw malformed();
      }
      byte[] content = Arrays.copyOfRange(bytes, position, position + length);
      position += length;
      return content;
    }

    private int readByte() {
      if (position >= bytes.length) {
        throw malformed();
      }
      return bytes[position++] & 0xff;
    }
  }

  private static IllegalArgumentException malformed() {
    return new IllegalArgumentException("holds a private key whose DER structure is not a P-256 key");
  }
}
