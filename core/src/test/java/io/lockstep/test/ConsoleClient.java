package io.lockstep.test;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.ext.web.client.WebClientSession;

import static io.lockstep.test.LockstepNode.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** A browser-like client of the console's API: keeps cookies, sends the CSRF header on changes. */
public final class ConsoleClient {

  private final WebClientSession client;

  public ConsoleClient(LockstepNode node) {
    this(node.vertx(), node.port());
  }

  public ConsoleClient(Vertx vertx, int port) {
    client = WebClientSession.create(WebClient.create(vertx,
        new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(port)));
  }

  public HttpResponse<Buffer> get(String path) {
    return await(client.get(path).send());
  }

  public HttpResponse<Buffer> change(HttpMethod method, String path, JsonObject body, boolean withCsrf) {
    HttpRequest<Buffer> request = client.request(method, path);
    if (withCsrf) {
      request.putHeader("X-XSRF-TOKEN", csrf());
    }
    return await(body == null ? request.send() : request.sendJsonObject(body));
  }

  /** A POST with the CSRF token, as the console's buttons send it. */
  public HttpResponse<Buffer> post(String path) {
    return change(HttpMethod.POST, path, null, true);
  }

  public String csrf() {
    return cookie("/admin/api", "XSRF-TOKEN").value();
  }

  public io.netty.handler.codec.http.cookie.Cookie cookie(String path, String name) {
    for (io.netty.handler.codec.http.cookie.Cookie cookie : client.cookieStore().get(false, "127.0.0.1", path)) {
      if (cookie.name().equals(name)) {
        return cookie;
      }
    }
    throw new AssertionError("no cookie " + name);
  }

  /** Signs in, then loads the session again as the console does, which hands out the new session's CSRF token. */
  public ConsoleClient signIn(String user, String password) {
    get("/admin/api/session");
    HttpResponse<Buffer> response = change(HttpMethod.POST, "/admin/api/session",
        new JsonObject().put("username", user).put("password", password), true);
    assertEquals(200, response.statusCode(), response.bodyAsString());
    get("/admin/api/session");
    return this;
  }
}
