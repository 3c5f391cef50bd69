package io.lockstep.push.fcm;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.interfaces.RSAPrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.Set;

/**
 * The fcm provider's configuration, {@code plugins.config.push-fcm}, checked once at start-up.
 *
 * <ul>
 *   <li>{@code service_account_file}: path of the Google service-account JSON key file; or</li>
 *   <li>{@code service_account}: the same JSON object inline (exactly one of the two);</li>
 *   <li>{@code project_id}: the Firebase project; default the service account's {@code project_id};</li>
 *   <li>{@code token_endpoint}: where access tokens come from; default the service account's
 *   {@code token_uri}, else {@value #DEFAULT_TOKEN_ENDPOINT};</li>
 *   <li>{@code send_endpoint}: where messages go, {@code {project_id}} replaced; default
 *   {@value #DEFAULT_SEND_ENDPOINT};</li>
 *   <li>{@code request_timeout_ms}: how long one HTTP exchange may take; default
 *   {@value #DEFAULT_REQUEST_TIMEOUT_MS}.</li>
 * </ul>
 *
 * @param sendEndpoint the send endpoint with the project already filled in
 */
public record FcmConfig(ServiceAccount serviceAccount, String projectId, String tokenEndpoint, String sendEndpoint,
                        long requestTimeoutMs) {

  public static final String DEFAULT_TOKEN_ENDPOINT = "https://oauth2.googleapis.com/token";
  public static final String DEFAULT_SEND_ENDPOINT = "https://fcm.googleapis.com/v1/projects/{project_id}/messages:send";
  public static final long DEFAULT_REQUEST_TIMEOUT_MS = 10_000;

  private static final String SECTION = "plugins.config.push-fcm";
  private static final Set<String> KEYS = Set.of("service_account_file", "service_account", "project_id",
      "token_endpoint", "send_endpoint", "request_timeout_ms");

  /** Parses and checks the configuration section; throws IllegalArgumentException naming the offending key. */
  public static FcmConfig from(JsonObject json) {
    for (String key : json.fieldNames()) {
      if (!KEYS.contains(key)) {
        throw new IllegalArgumentException(SECTION + " has an unknown key " + key + "; the keys are " + KEYS);
      }
    }
    ServiceAccount account = serviceAccount(json);
    String projectId = text(json, "project_id", account.projectId());
    if (projectId == null || !projectId.matches("[A-Za-z0-9._:-]+")) {
      throw new IllegalArgumentException(SECTION + ".project_id is missing or not a project id, and the service"
          + " account names none: set project_id");
    }
    String tokenEndpoint = url(json, "token_endpoint",
        account.tokenUri() == null ? DEFAULT_TOKEN_ENDPOINT : account.tokenUri());
    String sendEndpoint = url(json, "send_endpoint", DEFAULT_SEND_ENDPOINT).replace("{project_id}", projectId);
    Object timeout = json.getValue("request_timeout_ms", DEFAULT_REQUEST_TIMEOUT_MS);
    if (!(timeout instanceof Number number) || number.longValue() <= 0) {
      throw new IllegalArgumentException(SECTION + ".request_timeout_ms must be a positive number of milliseconds");
    }
    return new FcmConfig(account, projectId, tokenEndpoint, sendEndpoint, number.longValue());
  }

  private static ServiceAccount serviceAccount(JsonObject json) {
    Object file = json.getValue("service_account_file");
    Object inline = json.getValue("service_account");
    if ((file == null) == (inline == null)) {
      throw new IllegalArgumentException(SECTION + " needs exactly one of service_account_file (path of the"
          + " service-account JSON key) and service_account (the key inline)");
    }
    if (inline != null) {
      if (!(inline instanceof JsonObject object)) {
        throw new IllegalArgumentException(SECTION + ".service_account must be the service-account JSON object");
      }
      return ServiceAccount.from(object, "service_account");
    }
    if (!(file instanceof String path) || path.isBlank()) {
      throw new IllegalArgumentException(SECTION + ".service_account_file must be a path");
    }
    String content;
    try {
      content = Files.readString(Path.of(path));
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException(SECTION + ".service_account_file " + path + " cannot be read: " + e, e);
    }
    try {
      return ServiceAccount.from(new JsonObject(content), "service_account_file " + path);
    } catch (DecodeException e) {
      throw new IllegalArgumentException(SECTION + ".service_account_file " + path + " is not a JSON object", e);
    }
  }

  private static String text(JsonObject json, String key, String fallback) {
    Object value = json.getValue(key);
    if (value == null) {
      return fallback;
    }
    if (!(value instanceof String string) || string.isBlank()) {
      throw new IllegalArgumentException(SECTION + "." + key + " must be a non-empty string");
    }
    return string;
  }

  private static String url(JsonObject json, String key, String fallback) {
    String value = text(json, key, fallback);
    try {
      URI uri = new URI(value.replace("{project_id}", "p"));
      if (("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) && uri.getHost() != null) {
        return value;
      }
    } catch (URISyntaxException notAUri) {
      // refused below, like any other URL that is not absolute http(s)
    }
    throw new IllegalArgumentException(SECTION + "." + key + " must be an absolute http(s) URL, not " + value);
  }

  /**
   * The parts of a Google service-account key that FCM needs.
   *
   * @param projectId null when the key file names no project
   * @param tokenUri null when the key file names no token endpoint
   */
  public record ServiceAccount(String projectId, String clientEmail, String privateKeyId, RSAPrivateKey privateKey,
                               String tokenUri) {

    static ServiceAccount from(JsonObject json, String source) {
      Object type = json.getValue("type");
      if (type != null && !"service_account".equals(type)) {
        throw new IllegalArgumentException(SECTION + "." + source + " is a key of type " + type
            + ", not a service-account key");
      }
      return new ServiceAccount(optional(json, "project_id", source), required(json, "client_email", source),
          required(json, "private_key_id", source), privateKey(required(json, "private_key", source), source),
          optional(json, "token_uri", source));
    }

    private static String required(JsonObject json, String key, String source) {
      String value = optional(json, key, source);
      if (value == null) {
        throw new IllegalArgumentException(SECTION + "." + source + " lacks " + key);
      }
      return value;
    }

    private static String optional(JsonObject json, String key, String source) {
      Object value = json.getValue(key);
      if (value == null) {
        return null;
      }
      if (!(value instanceof String string) || string.isBlank()) {
        throw new IllegalArgumentException(SECTION + "." + source + ": " + key + " must be a non-empty string");
      }
      return string;
    }

    private static RSAPrivateKey privateKey(String pem, String source) {
      String problem = SECTION + "." + source + ": private_key must be a PKCS#8 RSA key of at least 2048 bits"
          + " in PEM (-----BEGIN PRIVATE KEY-----)";
      if (pem.contains("BEGIN RSA PRIVATE KEY")) {
        throw new IllegalArgumentException(problem + "; this one is PKCS#1, convert it with"
            + " openssl pkcs8 -topk8 -nocrypt");
      }
      String base64 = pem.replace("-----BEGIN PRIVATE KEY-----", "").replace("-----END PRIVATE KEY-----", "");
      RSAPrivateKey key;
      try {
        byte[] der = Base64.getMimeDecoder().decode(base64);
        key = (RSAPrivateKey) KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(der));
      } catch (GeneralSecurityException | IllegalArgumentException e) {
        throw new IllegalArgumentException(problem, e);
      }
      if (key.getModulus().bitLength() < 2048) {
        throw new IllegalArgumentException(problem + "; this one has " + key.getModulus().bitLength() + " bits");
      }
      return key;
    }
  }
}
