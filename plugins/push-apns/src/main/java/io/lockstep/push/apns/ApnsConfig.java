package io.lockstep.push.apns;

import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.interfaces.ECPrivateKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * The apns provider's configuration, the section {@code plugins.config.push-apns}. Keys:
 * <ul>
 *   <li>{@code topic} (required): the app's bundle id, sent as {@code apns-topic};</li>
 *   <li>{@code team_id}, {@code key_id} (required): the Apple developer team and the id of its
 *   APNs signing key, ten letters or digits each;</li>
 *   <li>{@code key_file} or {@code key} (exactly one): the signing key Apple hands out as
 *   {@code AuthKey_<key_id>.p8}, a PKCS#8 PEM of an EC P-256 key, as a path or inline;</li>
 *   <li>{@code host} (default {@value #DEFAULT_HOST}; {@code api.sandbox.push.apple.com} for
 *   development builds of the app) and {@code port} (default {@value #DEFAULT_PORT});</li>
 *   <li>{@code expiration_seconds} (default {@value #DEFAULT_EXPIRATION_SECONDS}): how long APNs keeps
 *   trying to deliver to a device that is off; 0 means one attempt only;</li>
 *   <li>{@code token_refresh_seconds} (default {@value #DEFAULT_TOKEN_REFRESH_SECONDS}): the age at
 *   which the provider token is signed anew; APNs refuses tokens older than an hour and throttles
 *   providers that renew more often than every 20 minutes;</li>
 *   <li>{@code request_timeout_ms} (default {@value #DEFAULT_REQUEST_TIMEOUT_MS}): connecting, and
 *   waiting for an answer, each give up after this;</li>
 *   <li>{@code trust_cert} (default none: the JVM's trusted authorities): a PEM certificate to trust
 *   instead, for a test server or a TLS-intercepting proxy.</li>
 * </ul>
 * The key is read and checked here, so a wrong configuration stops the plugin at start-up with a
 * sentence naming the key.
 */
public record ApnsConfig(String host, int port, String topic, String teamId, String keyId, ECPrivateKey signingKey,
                         long expirationSeconds, long tokenRefreshSeconds, long requestTimeoutMs, String trustCert) {

  public static final String DEFAULT_HOST = "api.push.apple.com";
  public static final int DEFAULT_PORT = 443;
  public static final long DEFAULT_EXPIRATION_SECONDS = 86_400;
  public static final long DEFAULT_TOKEN_REFRESH_SECONDS = 3_000;
  public static final long DEFAULT_REQUEST_TIMEOUT_MS = 10_000;

  /** APNs refuses provider tokens issued more than an hour ago; a refresh must come before that. */
  private static final long MAX_TOKEN_REFRESH_SECONDS = 3_540;
  private static final String PEM_BEGIN = "-----BEGIN PRIVATE KEY-----";
  private static final String PEM_END = "-----END PRIVATE KEY-----";
  private static final Pattern APPLE_ID = Pattern.compile("[A-Z0-9]{10}");
  private static final Set<String> KEYS = Set.of("host", "port", "topic", "team_id", "key_id", "key_file", "key",
      "expiration_seconds", "token_refresh_seconds", "request_timeout_ms", "trust_cert");

  public static ApnsConfig from(JsonObject json) {
    Set<String> unknown = new TreeSet<>(json.fieldNames());
    unknown.removeAll(KEYS);
    if (!unknown.isEmpty()) {
      throw new IllegalArgumentException("push-apns has no setting " + String.join(", ", unknown)
          + "; its settings are " + String.join(", ", new TreeSet<>(KEYS)));
    }
    String trustCert = text(json, "trust_cert");
    if (trustCert != null && !Files.isReadable(Path.of(trustCert))) {
      throw new IllegalArgumentException("trust_cert " + trustCert + " is not a readable file");
    }
    String host = text(json, "host");
    return new ApnsConfig(
        host == null ? DEFAULT_HOST : host,
        (int) number(json, "port", DEFAULT_PORT, 1, 65_535),
        required(json, "topic", "the app's bundle id"),
        appleId(json, "team_id"),
        appleId(json, "key_id"),
        signingKey(json),
        number(json, "expiration_seconds", DEFAULT_EXPIRATION_SECONDS, 0, 365L * 86_400),
        number(json, "token_refresh_seconds", DEFAULT_TOKEN_REFRESH_SECONDS, 1, MAX_TOKEN_REFRESH_SECONDS),
        number(json, "request_timeout_ms", DEFAULT_REQUEST_TIMEOUT_MS, 1, 600_000),
        trustCert);
  }

  /** Leaves the signing key out, so the configuration can be logged. */
  @Override
  public String toString() {
    return "ApnsConfig[host=" + host + ", port=" + port + ", topic=" + topic + ", teamId=" + teamId + ", keyId=" + keyId
        + ", expirationSeconds=" + expirationSeconds + ", tokenRefreshSeconds=" + tokenRefreshSeconds
        + ", requestTimeoutMs=" + requestTimeoutMs + ", trustCert=" + trustCert + "]";
  }

  private static ECPrivateKey signingKey(JsonObject json) {
    String inline = text(json, "key");
    String file = text(json, "key_file");
    if ((inline == null) == (file == null)) {
      throw new IllegalArgumentException("push-apns needs exactly one of key_file (the path of the AuthKey_<key_id>.p8 file)"
          + " and key (its PEM text)");
    }
    if (inline != null) {
      return parseKey(inline, "key");
    }
    try {
      return parseKey(Files.readString(Path.of(file)), "key_file " + file);
    } catch (IOException e) {
      throw new IllegalArgumentException("key_file " + file + " cannot be read: " + e.getMessage(), e);
    }
  }

  private static ECPrivateKey parseKey(String pem, String source) {
    int begin = pem.indexOf(PEM_BEGIN);
    int end = pem.indexOf(PEM_END);
    if (begin < 0 || end < begin) {
      throw new IllegalArgumentException(source + " must be a PKCS#8 PEM key (" + PEM_BEGIN + "), as Apple's .p8 files are");
    }
    PrivateKey key;
    try {
      byte[] der = Base64.getMimeDecoder().decode(pem.substring(begin + PEM_BEGIN.length(), end));
      key = KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(der));
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      throw new IllegalArgumentException(source + " is not a readable EC PKCS#8 key: " + e.getMessage(), e);
    }
    if (!(key instanceof ECPrivateKey ec) || !isP256(ec.getParams())) {
      throw new IllegalArgumentException(source + " must be an EC key on curve P-256, as APNs signs with ES256");
    }
    return ec;
  }

  private static boolean isP256(ECParameterSpec params) {
    try {
      AlgorithmParameters p256 = AlgorithmParameters.getInstance("EC");
      p256.init(new ECGenParameterSpec("secp256r1"));
      ECParameterSpec expected = p256.getParameterSpec(ECParameterSpec.class);
      return expected.getCurve().equals(params.getCurve()) && expected.getOrder().equals(params.getOrder())
          && expected.getGenerator().equals(params.getGenerator());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("this JVM does not know curve P-256", e);
    }
  }

  private static String appleId(JsonObject json, String key) {
    String value = required(json, key, "ten upper-case letters or digits from the Apple developer account");
    if (!APPLE_ID.matcher(value).matches()) {
      throw new IllegalArgumentException(key + " must be ten upper-case letters or digits, as Apple shows it, not " + value);
    }
    return value;
  }

  private static String required(JsonObject json, String key, String what) {
    String value = text(json, key);
    if (value == null) {
      throw new IllegalArgumentException("push-apns needs " + key + ": " + what);
    }
    return value;
  }

  private static String text(JsonObject json, String key) {
    Object value = json.getValue(key);
    if (value == null) {
      return null;
    }
    if (!(value instanceof String text) || text.isBlank()) {
      throw new IllegalArgumentException(key + " must be a non-empty string, not " + value);
    }
    return text.strip();
  }

  private static long number(JsonObject json, String key, long fallback, long min, long max) {
    Object value = json.getValue(key);
    if (value == null) {
      return fallback;
    }
    if (!(value instanceof Number number) || number.doubleValue() != number.longValue()
        || number.longValue() < min || number.longValue() > max) {
      throw new IllegalArgumentException(key + " must be a whole number from " + min + " to " + max + ", not " + value);
    }
    return number.longValue();
  }
}
