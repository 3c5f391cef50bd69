package io.lockstep.push.fcm;

import io.lockstep.plugin.ConfigTree;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;

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

  private static final Set<String> KEYS = Set.of("service_account_file", "service_account", "project_id",
      "token_endpoint", "send_endpoint", "request_timeout_ms");

  /** Reads and checks the section; IllegalArgumentException naming the offending key. */
  public static FcmConfig from(ConfigTree tree) {
    tree.onlyKeys(KEYS);
    ServiceAccount account = serviceAccount(tree);
    String projectId = tree.string("project_id", account.projectId());
    if (projectId == null || !projectId.matches("[A-Za-z0-9._:-]+")) {
      throw tree.invalid("project_id", "is missing or not a project id, and the service account names none:"
          + " set project_id");
    }
    String tokenEndpoint = tree.httpUrl("token_endpoint",
        account.tokenUri() == null ? DEFAULT_TOKEN_ENDPOINT : account.tokenUri()).toString();
    String sendEndpoint = tree.string("send_endpoint", DEFAULT_SEND_ENDPOINT).replace("{project_id}", projectId);
    ConfigTree filledIn = new ConfigTree(new JsonObject().put("send_endpoint", sendEndpoint), tree.path());
    return new FcmConfig(account, projectId, tokenEndpoint, filledIn.httpUrl("send_endpoint", null).toString(),
        tree.longValue("request_timeout_ms", DEFAULT_REQUEST_TIMEOUT_MS, 1, 600_000));
  }

  private static ServiceAccount serviceAccount(ConfigTree tree) {
    String source = tree.exactlyOne("service_account_file", "service_account",
        "the path of the service-account JSON key, or the key inline");
    if (source.equals("service_account")) {
      return ServiceAccount.from(new ConfigTree(tree.object(source), tree.path() + "." + source));
    }
    String content = tree.fileText(source);
    try {
      return ServiceAccount.from(new ConfigTree(new JsonObject(content), tree.path() + "." + source));
    } catch (DecodeException e) {
      throw tree.invalid(source, "names " + tree.string(source) + ", which is not a JSON object");
    }
  }

  /**
   * The parts of a Google service-account key that FCM needs.
   *
   * @param projectId null when the key file names no project
   * @param tokenUri null when the key file names no token endpoint
   */
  public record ServiceAccount(String projectId, String clientEmail, String privateKeyId, RSAPrivateKey privateKey,
                               String tokenUri) {

    static ServiceAccount from(ConfigTree key) {
      String type = key.string("type", "service_account");
      if (!type.equals("service_account")) {
        throw key.invalid("type", "is " + type + ": this is not a service-account key");
      }
      return new ServiceAccount(key.string("project_id", null), required(key, "client_email"),
          required(key, "private_key_id"), privateKey(key), key.string("token_uri", null));
    }

    private static String required(ConfigTree key, String name) {
      if (!key.has(name)) {
        throw key.invalid(name, "is missing from the service-account key");
      }
      return key.string(name, null);
    }

    private static RSAPrivateKey privateKey(ConfigTree key) {
      String pem = required(key, "private_key");
      String problem = "must be a PKCS#8 RSA key of at least 2048 bits in PEM (-----BEGIN PRIVATE KEY-----)";
      if (pem.contains("BEGIN RSA PRIVATE KEY")) {
        throw key.invalid("private_key", problem
            + "; this one is PKCS#1, convert it with openssl pkcs8 -topk8 -nocrypt");
      }
      String base64 = pem.replace("-----BEGIN PRIVATE KEY-----", "").replace("-----END PRIVATE KEY-----", "");
      RSAPrivateKey rsa;
      try {
        byte[] der = Base64.getMimeDecoder().decode(base64);
        rsa = (RSAPrivateKey) KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(der));
      } catch (GeneralSecurityException | IllegalArgumentException e) {
        throw key.invalid("private_key", problem);
      }
      if (rsa.getModulus().bitLength() < 2048) {
        throw key.invalid("private_key", problem + "; this one has " + rsa.getModulus().bitLength() + " bits");
      }
      return rsa;
    }
  }
}
