package io.lockstep.metrics;

import io.lockstep.test.LockstepNode;
import io.lockstep.test.TestDevice;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.lockstep.test.LockstepNode.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An operator who writes alerts from docs/operations.md finds every lockstep_* series it names, with
 * the type it states, in a running node's /metrics. The node has a push provider (a webhook to a
 * receiver in the test) and one push goes through it, so the counters that appear with their first
 * event are there too.
 */
class DocumentedMetricsTest {

  private static final Path OPERATIONS = Path.of("..", "docs", "operations.md");
  private static final String PASSWORD = "documented-metrics";
  private static final int RECEIVER_PORT = freePort();
  /** A metric name in a code span, with optional labels: `lockstep_x_total{label}`; families (`lockstep_push_*`) are skipped. */
  private static final Pattern DOCUMENTED = Pattern.compile("`(lockstep_[a-z0-9_]*[a-z0-9])(\\{[a-z_,]*})?`");
  /** A row of the metrics table that states a type: | `name` (histogram) | ... */
  private static final Pattern TYPED_ROW = Pattern.compile("^\\| `(lockstep_[a-z0-9_]+)` \\((histogram|summary)[,)]");
  private static final long WAIT_MS = 20_000;

  @RegisterExtension
  static final LockstepNode NODE = new LockstepNode(new JsonObject()
      .put("admin", new JsonObject().put("username", "ops").put("password", PASSWORD))
      .put("plugins", new JsonObject().put("config", new JsonObject().put("push-webhook", new JsonObject()
          .put("url", "http://127.0.0.1:" + RECEIVER_PORT + "/push").put("secret", "documented-metrics-secret"))))
      .put("push", new JsonObject().put("coalesce_window", "100ms").put("poll_interval", "100ms")));

  private static HttpServer receiver;

  @BeforeAll
  static void startReceiver() {
    receiver = await(NODE.vertx().createHttpServer()
        .requestHandler(request -> request.body().onSuccess(body -> request.response().setStatusCode(200).end()))
        .listen(RECEIVER_PORT, "127.0.0.1"));
  }

  @AfterAll
  static void stopReceiver() {
    await(receiver.close());
  }

  @Test
  void everyMetricTheOperationsGuideNamesIsExportedWithItsStatedType() throws IOException {
    List<String> guide = Files.readAllLines(OPERATIONS);
    Set<String> documented = documentedNames(guide);
    assertTrue(documented.size() > 20, "the guide's metrics are found: " + documented);

    pushOneMessageToAnOfflinePhone();
    String scrape = await(scrapeUntil(text -> text.contains("lockstep_push_outcomes_total{"), System.currentTimeMillis() + WAIT_MS));
    Map<String, String> types = familyTypes(scrape);
    Set<String> exported = new HashSet<>(types.keySet());
    exported.addAll(sampleNames(scrape));

    List<String> missing = documented.stream().filter(name -> !exported.contains(name)).toList();
    assertEquals(List.of(), missing, "named in docs/operations.md but not exported; lockstep_* series exported: "
        + exported.stream().filter(name -> name.startsWith("lockstep_")).sorted().toList());

    Map<String, String> stated = statedTypes(guide);
    assertTrue(stated.containsKey("lockstep_sync_lag") && stated.containsKey("lockstep_devices_per_user"), stated.toString());
    stated.forEach((name, type) -> assertEquals(type, types.get(name), name + " is documented as a " + type));
  }

  private static void pushOneMessageToAnOfflinePhone() {
    TestDevice phone = NODE.device("pam");
    phone.connectAndSync();
    JsonObject registered = phone.request(new JsonObject().put("type", "push.register").put("id", "r1")
        .put("provider", "webhook").put("token", "pam-phone-token"));
    assertEquals("result", registered.getString("type"), registered.encode());
    phone.disconnect();
    JsonObject body = new JsonObject().put("kind", "direct").put("members", new JsonArray().add("rod").add("pam"));
    String conversation = NODE.request(HttpMethod.POST, "/v1/server/conversations", LockstepNode.API_KEY, body)
        .bodyAsJsonObject().getJsonObject("conversation").getString("conversation_id");
    TestDevice sender = NODE.device("rod");
    sender.connectAndSync();
    assertEquals("sent", sender.sendMessage(conversation, "m1", "are you there?").getString("type"));
  }

  private static Set<String> documentedNames(List<String> guide) {
    Set<String> names = new java.util.TreeSet<>();
    for (String line : guide) {
      Matcher matcher = DOCUMENTED.matcher(line);
      while (matcher.find()) {
        names.add(matcher.group(1));
      }
    }
    return names;
  }

  private static Map<String, String> statedTypes(List<String> guide) {
    Map<String, String> stated = new LinkedHashMap<>();
    for (String line : guide) {
      Matcher matcher = TYPED_ROW.matcher(line);
      if (matcher.find()) {
        stated.put(matcher.group(1), matcher.group(2));
      }
    }
    return stated;
  }

  /** Metric family names and their types, from the scrape's # TYPE lines. */
  private static Map<String, String> familyTypes(String scrape) {
    Map<String, String> types = new HashMap<>();
    scrape.lines().filter(line -> line.startsWith("# TYPE ")).map(line -> line.split(" "))
        .forEach(parts -> types.put(parts[2], parts[3]));
    return types;
  }

  /** The names of the scrape's samples (lockstep_sync_lag_bucket, lockstep_events_written_total, ...). */
  private static Set<String> sampleNames(String scrape) {
    Set<String> names = new HashSet<>();
    scrape.lines().filter(line -> !line.isBlank() && !line.startsWith("#"))
        .forEach(line -> names.add(line.split("[{ ]", 2)[0]));
    return names;
  }

  private static Future<String> scrapeUntil(Predicate<String> done, long deadline) {
    WebClient client = WebClient.create(NODE.vertx(), new WebClientOptions().setDefaultHost("127.0.0.1")
        .setDefaultPort(NODE.port()));
    return client.get("/metrics").basicAuthentication("ops", PASSWORD).send()
        .map(HttpResponse<Buffer>::bodyAsString)
        .compose(text -> done.test(text) || System.currentTimeMillis() > deadline ? Future.succeededFuture(text)
            : NODE.vertx().timer(100).compose(t -> scrapeUntil(done, deadline)))
        .andThen(done2 -> client.close());
  }

  private static int freePort() {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
