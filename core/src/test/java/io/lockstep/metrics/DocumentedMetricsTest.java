package io.lockstep.metrics;

import io.lockstep.test.LockstepNode;
import io.lockstep.test.Ports;
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
import org.yaml.snakeyaml.Yaml;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static io.lockstep.test.LockstepNode.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An operator who writes alerts from docs/operations.md finds every lockstep_* series it names, with
 * the type it states, in a running node's /metrics; and the alert rules (docs/prometheus/alerts.yml)
 * and the Grafana dashboard (docs/grafana/lockstep.json) shipped with the server name only series a
 * running node exports, JVM ones included. The node runs on a Vert.x with its own metrics, as the
 * launcher builds it, and has a push provider (a webhook to a receiver in the test) through which one
 * push goes, so the counters that appear with their first event are there too.
 */
class DocumentedMetricsTest {

  private static final Path OPERATIONS = Path.of("..", "docs", "operations.md");
  private static final Path ALERTS = Path.of("..", "docs", "prometheus", "alerts.yml");
  private static final Path DASHBOARD = Path.of("..", "docs", "grafana", "lockstep.json");
  /** A series name in a PromQL expression: Lockstep's, the JVM's and the process's (Micrometer's binders). */
  private static final Pattern SERIES = Pattern.compile("\\b((?:lockstep|jvm|process)_[a-z0-9_]*[a-z0-9])\\b");
  /** A metrics table row whose suggested alert is not "—": | `name` ... | what | alert | */
  private static final Pattern ALERTED_ROW = Pattern.compile("^\\| `(lockstep_[a-z0-9_]+)(?:\\{[a-z_,]*})?`.*\\|([^|]*)\\|\\s*$");
  private static final String PASSWORD = "documented-metrics";
  private static final int RECEIVER_PORT = Ports.free();
  /** A metric name in a code span, with optional labels: `lockstep_x_total{label}`; families (`lockstep_push_*`) are skipped. */
  private static final Pattern DOCUMENTED = Pattern.compile("`(lockstep_[a-z0-9_]*[a-z0-9])(\\{[a-z_,]*})?`");
  /** A row of the metrics table that states a type: | `name` (histogram) | ... */
  private static final Pattern TYPED_ROW = Pattern.compile("^\\| `(lockstep_[a-z0-9_]+)` \\((histogram|summary)[,)]");
  private static final long WAIT_MS = 20_000;

  @RegisterExtension
  static final LockstepNode NODE = LockstepNode.withVertxMetrics(new JsonObject()
      .put("admin", new JsonObject().put("username", "ops").put("password", PASSWORD))
      .put("plugins", new JsonObject().put("config", new JsonObject().put("push-webhook", new JsonObject()
          .put("url", "http://127.0.0.1:" + RECEIVER_PORT + "/push").put("secret", "documented-metrics-secret"))))
      .put("push", new JsonObject().put("coalesce_window", "100ms").put("poll_interval", "100ms")));

  private static HttpServer receiver;
  private static String scrape;

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

    String scrape = scrape();
    Map<String, String> types = familyTypes(scrape);
    assertEquals(List.of(), missing(documented, scrape), "named in docs/operations.md but not exported; "
        + exportedLockstep(scrape));

    Map<String, String> stated = statedTypes(guide);
    assertTrue(stated.containsKey("lockstep_sync_lag") && stated.containsKey("lockstep_devices_per_user"), stated.toString());
    stated.forEach((name, type) -> assertEquals(type, types.get(name), name + " is documented as a " + type));
  }

  @Test
  void everyAlertOfTheGuideIsARuleWithARunbookOverExportedMetrics() throws IOException {
    Map<String, Object> file = new Yaml().load(Files.readString(ALERTS));
    List<Map<String, Object>> rules = new ArrayList<>();
    for (Object group : (List<?>) file.get("groups")) {
      for (Object rule : (List<?>) ((Map<?, ?>) group).get("rules")) {
        rules.add(cast(rule));
      }
    }
    assertTrue(rules.size() >= 20, "the rules are read: " + rules.size());
    Set<String> named = new TreeSet<>();
    Set<String> alertNames = new HashSet<>();
    for (Map<String, Object> rule : rules) {
      String alert = (String) rule.get("alert");
      assertTrue(alert != null && alertNames.add(alert), "every rule is an alert with a name of its own: " + rule);
      Map<String, Object> annotations = cast(rule.get("annotations"));
      for (String key : List.of("summary", "runbook")) {
        assertTrue(annotations.get(key) instanceof String text && !text.isBlank(), alert + " has a " + key);
      }
      assertTrue(cast(rule.get("labels")).get("severity") instanceof String, alert + " has a severity");
      Set<String> series = series((String) rule.get("expr"));
      assertTrue(!series.isEmpty(), alert + " names a metric");
      named.addAll(series);
    }
    String scrape = scrape();
    assertEquals(List.of(), missing(named, scrape), "named in alerts.yml but not exported; " + exportedLockstep(scrape));

    Set<String> families = named.stream().map(DocumentedMetricsTest::family).collect(Collectors.toSet());
    List<String> withoutRule = alertedInTheGuide().stream().filter(metric -> !families.contains(family(metric))).toList();
    assertEquals(List.of(), withoutRule, "docs/operations.md suggests an alert on these, alerts.yml has no rule");
  }

  @Test
  void theDashboardImportsAsIsAndDrawsOnlyExportedMetrics() throws IOException {
    JsonObject dashboard = new JsonObject(Files.readString(DASHBOARD));
    assertEquals("lockstep", dashboard.getString("uid"));
    List<String> variables = dashboard.getJsonObject("templating").getJsonArray("list").stream()
        .map(JsonObject.class::cast).map(v -> v.getString("name")).toList();
    assertTrue(variables.contains("datasource"), "the Prometheus data source is chosen on import, not hard-wired");
    Set<String> named = new TreeSet<>();
    Set<Integer> ids = new HashSet<>();
    List<JsonObject> placed = new ArrayList<>();
    for (Object item : dashboard.getJsonArray("panels")) {
      JsonObject panel = (JsonObject) item;
      assertTrue(ids.add(panel.getInteger("id")), "panel ids are unique: " + panel.getInteger("id"));
      placed.add(panel.getJsonObject("gridPos"));
      if ("row".equals(panel.getString("type"))) {
        continue;
      }
      assertEquals("${datasource}", panel.getJsonObject("datasource").getString("uid"), panel.getString("title"));
      for (Object target : panel.getJsonArray("targets")) {
        Set<String> series = series(((JsonObject) target).getString("expr"));
        assertTrue(!series.isEmpty(), panel.getString("title") + " draws a metric");
        named.addAll(series);
      }
    }
    assertNoOverlap(placed);
    for (String consoleChart : List.of("lockstep_messages_sent_total", "lockstep_delivery_latency_seconds_bucket",
        "lockstep_readstate_propagation_seconds_bucket", "lockstep_connections_live", "lockstep_redis_errors_total",
        "lockstep_event_loop_lag_seconds", "lockstep_push_outbox_depth", "lockstep_build_info", "jvm_memory_used_bytes",
        "process_cpu_usage", "process_uptime_seconds")) {
      assertTrue(named.contains(consoleChart), "the dashboard has the console's " + consoleChart);
    }
    String scrape = scrape();
    assertEquals(List.of(), missing(named, scrape), "drawn by the dashboard but not exported");
  }

  /** One scrape for the class, once a push went through and a GC happened (jvm_gc_pause appears with the first). */
  private static synchronized String scrape() {
    if (scrape == null) {
      pushOneMessageToAnOfflinePhone();
      System.gc();
      scrape = await(scrapeUntil(text -> text.contains("lockstep_push_outcomes_total{") && text.contains("jvm_gc_pause_seconds"),
          System.currentTimeMillis() + WAIT_MS));
    }
    return scrape;
  }

  private static List<String> missing(Set<String> names, String scrape) {
    Set<String> exported = new HashSet<>(familyTypes(scrape).keySet());
    exported.addAll(sampleNames(scrape));
    return names.stream().filter(name -> !exported.contains(name)).sorted().toList();
  }

  private static String exportedLockstep(String scrape) {
    return "lockstep_* series exported: " + sampleNames(scrape).stream().filter(name -> name.startsWith("lockstep_"))
        .sorted().toList();
  }

  private static Set<String> series(String expression) {
    Set<String> names = new TreeSet<>();
    Matcher matcher = SERIES.matcher(expression == null ? "" : expression);
    while (matcher.find()) {
      names.add(matcher.group(1));
    }
    return names;
  }

  /** The guide's metrics whose suggested alert is not "—". */
  private static List<String> alertedInTheGuide() throws IOException {
    List<String> alerted = new ArrayList<>();
    for (String line : Files.readAllLines(OPERATIONS)) {
      Matcher matcher = ALERTED_ROW.matcher(line);
      if (matcher.find() && !matcher.group(2).strip().startsWith("—") && !matcher.group(2).contains("suggested alert")) {
        alerted.add(matcher.group(1));
      }
    }
    assertTrue(alerted.size() > 10, "the guide's alerted metrics are found: " + alerted);
    return alerted;
  }

  /** lockstep_sync_lag_bucket and lockstep_sync_lag are one metric. */
  private static String family(String series) {
    return series.replaceAll("_(bucket|count|sum|total)$", "");
  }

  private static void assertNoOverlap(List<JsonObject> boxes) {
    for (int i = 0; i < boxes.size(); i++) {
      for (int j = i + 1; j < boxes.size(); j++) {
        JsonObject a = boxes.get(i);
        JsonObject b = boxes.get(j);
        boolean apart = a.getInteger("x") + a.getInteger("w") <= b.getInteger("x")
            || b.getInteger("x") + b.getInteger("w") <= a.getInteger("x")
            || a.getInteger("y") + a.getInteger("h") <= b.getInteger("y")
            || b.getInteger("y") + b.getInteger("h") <= a.getInteger("y");
        assertTrue(apart, "panels overlap: " + a + " and " + b);
      }
    }
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> cast(Object value) {
    return (Map<String, Object>) value;
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
    Set<String> names = new TreeSet<>();
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
}
