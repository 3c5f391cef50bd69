package io.lockstep.admin;

import io.lockstep.test.LockstepNode;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.ext.web.client.WebClientSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static io.lockstep.test.LockstepNode.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Anonymous console requests cannot fill the session store: only the newest sessions of visitors who
 * have not signed in are kept, while signed-in operators keep theirs.
 */
class ConsoleSessionsTest {

  private static final String PASSWORD = "correct horse battery staple";

  @RegisterExtension
  static final LockstepNode NODE = new LockstepNode(new JsonObject()
      .put("admin", new JsonObject().put("username", "ops").put("password", PASSWORD).put("max_anonymous_sessions", 5)));

  @Test
  void aFloodOfAnonymousVisitorsEvictsOnlyAnonymousSessions() {
    Visitor operator = new Visitor();
    operator.open();
    assertEquals(200, operator.signIn(PASSWORD).statusCode());
    Visitor early = new Visitor();
    early.open();

    for (int i = 0; i < 20; i++) {
      new Visitor().open();
    }

    assertEquals(200, operator.get("/admin/api/overview").statusCode(), "the signed-in operator keeps the session");
    assertEquals(403, early.signIn(PASSWORD).statusCode(),
        "the oldest anonymous session (and its CSRF token) was dropped: that visitor must reload");
    Visitor late = new Visitor();
    late.open();
    assertEquals(200, late.signIn(PASSWORD).statusCode(), "a visitor within the bound signs in");
  }

  /** A browser: keeps cookies, sends the CSRF header. */
  private static final class Visitor {
    final WebClientSession client = WebClientSession.create(WebClient.create(NODE.vertx(),
        new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(NODE.port())));

    void open() {
      assertEquals(200, get("/admin/api/session").statusCode());
    }

    HttpResponse<Buffer> get(String path) {
      return await(client.get(path).send());
    }

    HttpResponse<Buffer> signIn(String password) {
      String csrf = null;
      for (var cookie : client.cookieStore().get(false, "127.0.0.1", "/admin/api")) {
        if (cookie.name().equals("XSRF-TOKEN")) {
          csrf = cookie.value();
        }
      }
      return await(client.request(HttpMethod.POST, "/admin/api/session").putHeader("X-XSRF-TOKEN", csrf)
          .sendJsonObject(new JsonObject().put("username", "ops").put("password", password)));
    }
  }
}
