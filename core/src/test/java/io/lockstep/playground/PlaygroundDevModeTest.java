package io.lockstep.playground;

import io.lockstep.test.LockstepNode;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * In dev mode /playground serves the page: the real one with the SDK bundle when the client-js
 * module was built with Node, or the page saying it was not built. (Its flows are tested in a
 * browser by the SDK's own suite, clients/js/test/browser.)
 */
class PlaygroundDevModeTest {

  @RegisterExtension
  static final LockstepNode NODE = new LockstepNode();

  @Test
  void thePlaygroundIsServedInDevMode() {
    HttpResponse<Buffer> redirect = NODE.request(HttpMethod.GET, "/playground", null, null);
    assertEquals(200, redirect.statusCode(), "the redirect to /playground/ is followed");
    String page = redirect.bodyAsString();
    assertTrue(page.contains("Lockstep playground"), page);
    boolean built = PlaygroundDevModeTest.class.getClassLoader().getResource("playground/lockstep-client.js") != null;
    assertEquals(built, page.contains("playground.js"), "the real page exactly when the bundle was built");
    if (built) {
      HttpResponse<Buffer> bundle = NODE.request(HttpMethod.GET, "/playground/lockstep-client.js", null, null);
      assertEquals(200, bundle.statusCode());
      assertTrue(bundle.getHeader("Content-Type").contains("javascript"), bundle.getHeader("Content-Type"));
    }
  }
}
