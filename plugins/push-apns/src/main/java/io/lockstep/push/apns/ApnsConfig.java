package io.lockstep.push.apns;

import io.lockstep.plugin.ConfigTree;

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
 * The key is read and checked here, through the plugin API's {@link ConfigTree}, so a wrong
 * configuration stops the plugin at start-up with a sentence naming the key.
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

  /** Reads and checks the section; IllegalArgumentException naming the key that is missing or wrong. */
  public static ApnsConfig from(ConfigTree tree) {
    tree.onlyKeys(KEYS);
    Path trustCert = tree.readableFile("trust_cert");
    return new ApnsConfig(
        tree.string("host", DEFAULT_HOST),
        (int) tree.longValue("port", DEFAULT_PORT, 1, 65_535),
        required(tree, "topic", "the app's bundle id"),
        appleId(tree, "team_id"),
        appleId(tree, "key_id"),
        signingKey(tree),
        tree.longValue("expiration_seconds", DEFAULT_EXPIRATION_SECONDS, 0, 365L * 86_400),
        tree.longValue("token_refresh_seconds", DEFAULT_TOKEN_REFRESH_SECONDS, 1, MAX_TOKEN_REFRESH_SECONDS),
        tree.longValue("request_timeout_ms", DEFAULT_REQUEST_TIMEOUT_MS, 1, 600_000),
        trustCert == null ? null : trustCert.toString());
  }

  /** Leaves the signing key out, so the configuration can be logged. */
  @Override
  public String toString() {
    return "ApnsConfig[host=" + host + ", port=" + port + ", topic=" + topic + ", teamId=" + teamId + ", keyId=" + keyId
        + ", expirationSeconds=" + expirationSeconds + ", tokenRefreshSeconds=" + tokenRefreshSeconds
        + ", requestTimeoutMs=" + requestTimeoutMs + ", trustCert=" + trustCert + "]";
  }

  private static ECPrivateKey signingKey(ConfigTree tree) {
    String source = tree.exactlyOne("key_file", "key", "the path of the AuthKey_<key_id>.p8 file, or its PEM text");
    String pem = source.equals("key") ? tree.string("key") : tree.fileText("key_file");
    int begin = pem.indexOf(PEM_BEGIN);
    int end = pem.indexOf(PEM_END);
    if (begin < 0 || end < begin) {
      throw tree.invalid(source, "must hold a PKCS#8 PEM key (" + PEM_BEGIN + "), as Apple's .p8 files are");
    }
    PrivateKey key;
    try {
      byte[] der = Base64.getMimeDecoder().decode(pem.substring(begin + PEM_BEGIN.length(), end));
      key = KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(der));
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      throw tree.invalid(source, "does not hold a readable EC PKCS#8 key: " + e.getMessage());
    }
    if (!(key instanceof ECPrivateKey ec) || !isP256(ec.getParams())) {
      throw tree.invalid(source, "must hold an EC key on curve P-256, as APNs signs with ES256");
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

  private static String appleId(ConfigTree tree, String key) {
    String value = required(tree, key, "ten upper-case letters or digits from the Apple developer account");
    if (!APPLE_ID.matcher(value).matches()) {
      throw tree.invalid(key, "must be ten upper-case letters or digits, as Apple shows it, not " + value);
    }
    return value;
  }

  private static String required(ConfigTree tree, String key, String what) {
    if (!tree.has(key)) {
      throw tree.invalid(key, "is required: " + what);
    }
    return tree.string(key, null);
  }
}
