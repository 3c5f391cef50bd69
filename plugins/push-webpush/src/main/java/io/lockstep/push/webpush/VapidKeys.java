package io.lockstep.push.webpush;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.Signature;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.util.Base64;

/**
 * The application server's VAPID key pair (RFC 8292), P-256. Browsers subscribe with the public half
 * as their applicationServerKey, and push services accept a push only when its token is signed by the
 * matching private half, so the two are checked to be one pair when the configuration is read.
 */
public record VapidKeys(ECPublicKey publicKey, ECPrivateKey privateKey) {

  public VapidKeys {
    if (!onePair(publicKey, privateKey)) {
      throw new IllegalArgumentException("the VAPID public key does not belong to the private key: check"
          + " vapid_public_key against vapid_private_key or vapid_key_file");
    }
  }

  /** The public key as web-push tools print it and browsers expect it: base64url of the uncompressed point. */
  public String publicKeyBase64Url() {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(P256.uncompressed(publicKey));
  }

  private static boolean onePair(ECPublicKey publicKey, ECPrivateKey privateKey) {
    byte[] probe = "lockstep vapid key check".getBytes(StandardCharsets.US_ASCII);
    try {
      Signature signer = Signature.getInstance("SHA256withECDSA");
      signer.initSign(privateKey);
      signer.update(probe);
      byte[] signature = signer.sign();
      Signature verifier = Signature.getInstance("SHA256withECDSA");
      verifier.initVerify(publicKey);
      verifier.update(probe);
      return verifier.verify(signature);
    } catch (GeneralSecurityException e) {
      return false;
    }
  }
}
