package io.lockstep.push.webpush;

import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
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

  /** The settings in {@code json}; IllegalArgumentException naming the key that is missing or wrong. */
  public static WebPushConfig from(JsonObject json) {
    for (String key : json.fieldNames()) {
      if (!KEYS.contains(key)) {
        throw new IllegalArgumentException("push-webpush has no setting " + key + "; the settings are " + KEYS);
      }
    }
    String subject = string(json, "subject");
    if (subject == null || !(subject.startsWith("mailto:") || subject.startsWith("https:"))) {
      throw new IllegalArgumentException("push-webpush needs subject, a mailto: or https: URI push services can"
          + " contact the operator at");
    }
    long ttlSeconds = number(json, "ttl_seconds", DEFAULT_TTL_SECONDS);
    if (ttlSeconds < 0 || ttlSeconds > MAX_TTL_SECONDS) {
      throw new IllegalArgumentException("push-webpush ttl_seconds must be between 0 and " + MAX_TTL_SECONDS);
    }
    long timeoutMs = number(json, "timeout_ms", DEFAULT_TIMEOUT_MS);
    if (timeoutMs < 1 || timeoutMs > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("push-webpush timeout_ms must be a positive number of milliseconds");
    }
    Object allowHttp = json.getValue("allow_http", false);
    if (!(allowHttp instanceof Boolean)) {
      throw new IllegalArgumentException("push-webpush allow_http must be true or false");
    }
    return new WebPushConfig(subject, vapidKeys(json), ttlSeconds, (Boolean) allowHttp, timeoutMs);
  }

  private static VapidKeys vapidKeys(JsonObject json) {
    String publicKey = string(json, "vapid_public_key");
    String privateKey = string(json, "vapid_private_key");
    String keyFile = string(json, "vapid_key_file");
    if (privateKey != null && keyFile != null) {
      throw new IllegalArgumentException("push-webpush takes vapid_private_key or vapid_key_file, not both");
    }
    byte[] publicPoint = publicKey == null ? null : base64Url(publicKey, "vapid_public_key");
    byte[] privateScalar;
    if (keyFile != null) {
      PemKeyFile.Contents contents = readKeyFile(keyFile);
      privateScalar = contents.privateKey();
      if (publicPoint == null) {
        publicPoint = contents.publicKey();
      }
      if (publicPoint == null) {
        throw new IllegalArgumentException("push-webpush vapid_key_file " + keyFile
            + " holds no public key; give it as vapid_public_key too");
      }
    } else if (privateKey != null) {
      if (publicPoint == null) {
        throw new IllegalArgumentException("push-webpush needs vapid_public_key beside vapid_private_key");
      }
      privateScalar = base64Url(privateKey, "vapid_private_key");
    } else {
      throw new IllegalArgumentException("push-webpush needs a VAPID key pair: vapid_public_key and vapid_private_key,"
          + " or vapid_key_file");
    }
    return new VapidKeys(
        key(publicKey != null ? "vapid_public_key" : "vapid_key_file", publicPoint, P256::publicKey),
        key(keyFile != null ? "vapid_key_file" : "vapid_private_key", privateScalar, P256::privateKey));
  }

  private static PemKeyFile.Contents readKeyFile(String keyFile) {
    String pem;
    try {
      pem = Files.readString(Path.of(keyFile), StandardCharsets.US_ASCII);
    } catch (IOException e) {
      throw new IllegalArgumentException("push-webpush vapid_key_file " + keyFile + " cannot be read: " + e, e);
    }
    try {
      return PemKeyFile.read(pem);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("push-webpush vapid_key_file " + keyFile + " " + e.getMessage(), e);
    }
  }

  private static <K> K key(String name, byte[] bytes, Function<byte[], K> parse) {
    try {
      return parse.apply(bytes);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("push-webpush " + name + " " + e.getMessage(), e);
    }
  }

  private static byte[] base64Url(String value, String name) {
    try {
      return Base64.getUrlDecoder().decode(value.trim());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("push-webpush " + name + " is not base64url", e);
    }
  }

  private static String string(JsonObject json, String key) {
    Object value = json.getValue(key);
    if (value != null && !(value instanceof String)) {
      throw new IllegalArgumentException("push-webpush " + key + " must be a string");
    }
    return value == null || ((String) value).isBlank() ? null : (String) value;
  }

  private static long number(JsonObject json, String key, long defaultValue) {
    Object value = json.getValue(key, defaultValue);
    if (!(value instanceof Number number) || number.doubleValue() != number.longValue()) {
      throw new IllegalArgumentException("push-webpush " + key + " must be a whole number");
    }
    return number.longValue();
  }
}
