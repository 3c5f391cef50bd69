package io.lockstep.perf.attack;

import io.netty.handler.codec.http.cookie.Cookie;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.ext.web.client.WebClientSession;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Guesses the operators' password, one attempt at a time at a fixed rate, each a new wrong password
 * for the right user name: console sign-in (POST /admin/api/session with the CSRF cookie echoed in
 * X-XSRF-TOKEN, as the console does) and /metrics HTTP Basic auth in turn. It guesses from one address
 * of its own until that address is refused (429), then moves on to its next, and round again. When
 * stopped, it tries the right password from its first address (which should be locked out) and from
 * a clean address (which should get in). The server should count failures per address and per user
 * name and answer 429 once either is spent.
 */
final class PasswordGuesser implements Attacker {

  private static final String CONSOLE = "/admin/api/session";

  private final Vertx vertx;
  private final int port;
  private final List<String> addresses;
  private final String cleanAddress;
  private final String username;
  private final String password;
  private final long pauseMs;
  private final Map<String, WebClientSession> clients = new ConcurrentHashMap<>();
  private final Tally console = new Tally();
  private final Tally metrics = new Tally();
  private final Map<String, Long> attemptsUntilRefused = new ConcurrentHashMap<>();
  private final AtomicLong attempts = new AtomicLong();
  private final Map<String, AtomicLong> attemptsByAddress = new ConcurrentHashMap<>();
  private final JsonObject rightPassword = new JsonObject();
  private final Promise<Void> done = Promise.promise();
  /** Index of the address guessed from now; touched on the guesser's event loop only. */
  private int current;
  private volatile boolean stopped;

  PasswordGuesser(Vertx vertx, int port, List<String> addresses, String cleanAddress, String username, String password,
                  int guessesPerSecond) {
    this.vertx = vertx;
    this.port = port;
    this.addresses = addresses;
    this.cleanAddress = cleanAddress;
    this.username = username;
    this.password = password;
    this.pauseMs = Math.max(1, 1000 / Math.max(1, guessesPerSecond));
  }

  @Override
  public String name() {
    return "password_guesser";
  }

  @Override
  public void start() {
    vertx.runOnContext(v -> next());
  }

  private void next() {
    if (stopped) {
      done.tryComplete();
      return;
    }
    long n = attempts.getAndIncrement();
    String address = addresses.get(current);
    long fromAddress = attemptsByAddress.computeIfAbsent(address, a -> new AtomicLong()).incrementAndGet();
    boolean viaConsole = n % 2 == 0;
    String guess = "guess-" + n;
    Future<Integer> attempt = viaConsole ? signIn(address, guess) : scrape(address, guess);
    attempt.onComplete(status -> {
      String outcome = status.succeeded() ? "http_" + status.result() : "failed";
      (viaConsole ? console : metrics).add(outcome);
      if (status.succeeded() && status.result() == 429) {
        attemptsUntilRefused.putIfAbsent(address, fromAddress);
        current = (current + 1) % addresses.size();
      }
      vertx.setTimer(pauseMs, id -> next());
    });
  }

  /** Console sign-in from the address: the CSRF token first (once per address), then the POST; answers the status. */
  private Future<Integer> signIn(String address, String guess) {
    WebClientSession client = client(address);
    Future<String> token = csrfToken(client) != null ? Future.succeededFuture(csrfToken(client))
        : client.get(CONSOLE).send().map(response -> csrfToken(client));
    return token.compose(csrf -> client.post(CONSOLE).putHeader("X-XSRF-TOKEN", csrf == null ? "" : csrf)
        .sendJsonObject(new JsonObject().put("username", username).put("password", guess))
        .map(HttpResponse::statusCode));
  }

  private Future<Integer> scrape(String address, String guess) {
    return client(address).get("/metrics").basicAuthentication(username, guess).send().map(HttpResponse::statusCode);
  }

  private WebClientSession client(String address) {
    return clients.computeIfAbsent(address, local -> WebClientSession.create(WebClient.create(vertx,
        (WebClientOptions) new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(port).setLocalAddress(local))));
  }

  private static String csrfToken(WebClientSession client) {
    for (Cookie cookie : client.cookieStore().get(false, "127.0.0.1", CONSOLE)) {
      if (cookie.name().equals("XSRF-TOKEN")) {
        return cookie.value();
      }
    }
    return null;
  }

  @Override
  public void stop() {
    stopped = true;
    try {
      done.future().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      rightPassword.put("console_from_guessing_address", await(signIn(addresses.get(0), password)))
          .put("metrics_from_guessing_address", await(scrape(addresses.get(0), password)))
          .put("console_from_clean_address", await(signIn(cleanAddress, password)))
          .put("metrics_from_clean_address", await(scrape(cleanAddress, password)));
    } catch (Exception e) {
      rightPassword.put("failed", e.toString());
    }
    clients.values().forEach(WebClient::close);
  }

  private static int await(Future<Integer> status) throws Exception {
    return status.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @Override
  public JsonObject fate() {
    Map<String, Object> refusedAfter = new LinkedHashMap<>();
    addresses.forEach(address -> refusedAfter.put(address, attemptsUntilRefused.get(address)));
    return new JsonObject()
        .put("source_addresses", addresses)
        .put("attempts", attempts.get())
        .put("console", console.toJson())
        .put("metrics", metrics.toJson())
        .put("first_429_at_attempt_of_address", new JsonObject(refusedAfter))
        .put("right_password_statuses", rightPassword)
        .put("clean_address", cleanAddress);
  }
}
