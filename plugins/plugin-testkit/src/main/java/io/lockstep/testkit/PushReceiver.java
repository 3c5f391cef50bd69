package io.lockstep.testkit;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * A local HTTP server standing in for the outside service a push provider talks to (a relay, a push
 * gateway). It listens on 127.0.0.1 from construction on, so its {@link #url(String)} can go into the
 * node's configuration; records every request in arrival order and answers each as told (200 with an
 * empty body until then). Register it with {@code @RegisterExtension} so that it closes after the class:
 *
 * <pre>{@code
 * @RegisterExtension
 * static final PushReceiver RELAY = new PushReceiver();
 * }</pre>
 */
public final class PushReceiver implements AfterAllCallback, AutoCloseable {

  private static final Duration WAIT = Duration.ofSeconds(20);

  private final Vertx vertx = Vertx.vertx();
  private final HttpServer server;
  private final List<ReceivedRequest> received = new ArrayList<>();
  private Function<ReceivedRequest, Answer> answers = request -> Answer.status(200);

  /** Starts listening on a free port of 127.0.0.1. */
  public PushReceiver() {
    server = LockstepTestNode.await(vertx.createHttpServer().requestHandler(this::receive).listen(0, "127.0.0.1"));
  }

  /**
   * The absolute URL of a path on this receiver.
   *
   * @param path a path starting with {@code /}
   * @return {@code http://127.0.0.1:<port><path>}
   */
  public String url(String path) {
    return "http://127.0.0.1:" + server.actualPort() + path;
  }

  /**
   * Sets how requests are answered from now on.
   *
   * @param answers the answer to each request, e.g. {@code r -> Answer.status(410)} or one chosen by the
   *     request's body
   * @return this receiver
   */
  public synchronized PushReceiver answer(Function<ReceivedRequest, Answer> answers) {
    this.answers = answers;
    return this;
  }

  /**
   * Forgets the requests received so far and answers 200 again; call it between tests that share the
   * receiver.
   */
  public synchronized void reset() {
    received.clear();
    answers = request -> Answer.status(200);
  }

  /**
   * The requests received so far, in arrival order.
   *
   * @return a copy of the record
   */
  public synchronized List<ReceivedRequest> received() {
    return List.copyOf(received);
  }

  /**
   * Waits for the first received request that matches.
   *
   * @param match what to wait for
   * @return the request
   * @throws AssertionError when none arrives within 20 seconds
   */
  public synchronized ReceivedRequest awaitRequest(Predicate<ReceivedRequest> match) {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (true) {
      for (ReceivedRequest request : received) {
        if (match.test(request)) {
          return request;
        }
      }
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw new AssertionError("no matching request within " + WAIT + "; received " + received);
      }
      waitNanos(left);
    }
  }

  /**
   * Waits until at least {@code count} requests have arrived.
   *
   * @param count how many
   * @return all requests received so far
   * @throws AssertionError when fewer arrive within 20 seconds
   */
  public synchronized List<ReceivedRequest> awaitRequests(int count) {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (received.size() < count) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw new AssertionError("expected " + count + " requests within " + WAIT + ", got " + received);
      }
      waitNanos(left);
    }
    return List.copyOf(received);
  }

  @Override
  public void afterAll(ExtensionContext context) {
    close();
  }

  /** Stops listening. */
  @Override
  public void close() {
    LockstepTestNode.await(vertx.close());
  }

  private void receive(HttpServerRequest request) {
    request.body().onSuccess(body -> {
      Map<String, String> headers = new TreeMap<>();
      request.headers().forEach(header -> headers.put(header.getKey().toLowerCase(Locale.ROOT), header.getValue()));
      ReceivedRequest got = new ReceivedRequest(request.method().name(), request.uri(), headers, body.toString());
      Answer answer;
      synchronized (this) {
        received.add(got);
        notifyAll();
        answer = answers.apply(got);
      }
      HttpServerResponse response = request.response().setStatusCode(answer.status());
      answer.headers().forEach(response::putHeader);
      response.end(answer.body());
    });
  }

  private void waitNanos(long nanos) {
    try {
      wait(Math.max(1, nanos / 1_000_000));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted");
    }
  }

  /**
   * One request as received.
   *
   * @param method the HTTP method, e.g. {@code POST}
   * @param uri the path and query
   * @param headers the headers, names in lower case
   * @param body the body as text
   */
  public record ReceivedRequest(String method, String uri, Map<String, String> headers, String body) {

    /**
     * The body as a JSON object.
     *
     * @return the parsed body
     * @throws io.vertx.core.json.DecodeException when it is not one
     */
    public JsonObject json() {
      return new JsonObject(body);
    }

    /**
     * One header.
     *
     * @param name its name, in any case
     * @return its value, or null when absent
     */
    public String header(String name) {
      return headers.get(name.toLowerCase(Locale.ROOT));
    }
  }

  /**
   * How the receiver answers a request.
   *
   * @param status the HTTP status
   * @param headers response headers
   * @param body the response body
   */
  public record Answer(int status, Map<String, String> headers, String body) {

    /**
     * An answer with this status, no headers and an empty body.
     *
     * @param status the HTTP status
     * @return the answer
     */
    public static Answer status(int status) {
      return new Answer(status, Map.of(), "");
    }

    /**
     * This answer with a JSON body (and its content type).
     *
     * @param json the body
     * @return a new answer
     */
    public Answer withJson(JsonObject json) {
      Map<String, String> more = new TreeMap<>(headers);
      more.put("Content-Type", "application/json");
      return new Answer(status, more, json.encode());
    }

    /**
     * This answer with one more header.
     *
     * @param name the header's name
     * @param value its value
     * @return a new answer
     */
    public Answer withHeader(String name, String value) {
      Map<String, String> more = new TreeMap<>(headers);
      more.put(name, value);
      return new Answer(status, more, body);
    }
  }
}
