package io.lockstep.push.webpush;

import io.lockstep.plugin.ConfigTree;

import java.util.Base64;
import java.util.Set;
import java.util.function.Function;

/**
 * The webpush provider's settings, read from {@code plugins.config.push-webpush}:
 * <ul>
 *   <li>{@code subject} (required): the contact push services can reach the operator at, a
 *   {@code mailto:} or {@code https:} URI; sent as the VAPID token's {@code sub}.</li>
 *   <li>{@code vapid_public_key} + {@code vapid_private_key}: the VAPID key pair in base64url, as
 *   {@code web-push generate-vapid-keys} prints it (65-byte uncompressed point, 32-byte scalar); or</li>
 *   <li>{@code vapid_key_file}: a PEM file with the private key (PKCS #8 or SEC 1, unencrypted). The
 *   public key is taken from the file, or from {@code vapid_public_key} when the file lacks it.</li>
 *   <li>{@code ttl_seconds} (86400): how long a push service keeps a message for an offline browser,
 *   0 to 2419200 (28 days).</li>
 *   <li>{@code allow_http} (false): accept subscriptions whose endpoint is http rather than https.
 *   Endpoints come from clients, so leave it off outside tests.</li>
 *   <li>{@code timeout_ms} (10000): connect and response timeout of a push request.</li>
 * </ul>
 */
public record WebPushConfig(String subject, VapidKeys vapidKeys, long ttlSeconds, boolean allowHttp, long timeoutMs) {

  public static final long DEFAULT_TTL_SECONDS = 86_400;
  public static final long MAX_TTL_SECONDS = 2_419_200;
  public static final long DEFAULT_TIMEOUT_MS = 10_000;

  private static final Set<String> KEYS = Set.of("subject", "vapid_public_key", "vapid_private_key", "vapid_key_file",
      "ttl_seconds", "allow_http", "timeout_ms");

  /** Reads and checks the section; IllegalArgumentException naming the key that is missing or wrong. */
  public static WebPushConfig from(ConfigTree tree) {
    tree.onlyKeys(KEYS);
    String subject = tree.string("subject", null);
    if (subject == null || !(subject.startsWith("mailto:") || subject.startsWith("https:"))) {
      throw tree.invalid("subject", "is required: a mailto: or https: URI push services can contact the operator at");
    }
    return new WebPushConfig(subject, vapidKeys(tree),
        tree.longValue("ttl_seconds", DEFAULT_TTL_SECONDS, 0, MAX_TTL_SECONDS),
        tree.bool("allow_http", false),
        tree.longValue("timeout_ms", DEFAULT_TIMEOUT_MS, 1, Integer.MAX_VALUE));
  }

  private static VapidKeys vapidKeys(ConfigTree tree) {
    String privateSource = tree.exactlyOne("vapid_private_key", "vapid_key_file",
        "the private key in base64url, or a PEM file holding it");
    byte[] publicPoint = tree.has("vapid_public_key") ? base64Url(tree, "vapid_public_key") : null;
    byte[] privateScalar;
    if (privateSource.equals("vapid_key_file")) {
      String pem = tree.fileText("vapid_key_file");
      PemKeyFile.Contents contents;
      try {
        contents = PemKeyFile.read(pem);
      } catch (IllegalArgumentException e) {
        throw tree.invalid("vapid_key_file", e.getMessage());
      }
      privateScalar = contents.privateKey();
      if (publicPoint == null) {
        publicPoint = contents.publicKey();
      }
      if (publicPoint == null) {
        throw tree.invalid("vapid_key_file", "holds no public key; give it as vapid_public_key too");
      }
    } else {
      if (publicPoint == null) {
        throw tree.invalid("vapid_public_key", "is required beside vapid_private_key");
      }
      privateScalar = base64Url(tree, "vapid_private_key");
    }
    return new VapidKeys(
        key(tree, tree.has("vapid_public_key") ? "vapid_public_key" : "vapid_key_file", publicPoint, P256::publicKey),
        key(tree, privateSource, privateScalar, P256::privateKey));
  }

  private static <K> K key(ConfigTree tree, String name, byte[] bytes, Function<byte[], K> parse) {
    try {
      return parse.apply(bytes);
    } catch (IllegalArgumentException e) {
      throw tree.invalid(name, e.getMessage());
    }
  }

  private static byte[] base64Url(ConfigTree tree, String name) {
    try {
      return Base64.getUrlDecoder().decode(tree.string(name));
    } catch (IllegalArgumentException e) {
      throw tree.invalid(name, "is not base64url");
    }
  }
}
