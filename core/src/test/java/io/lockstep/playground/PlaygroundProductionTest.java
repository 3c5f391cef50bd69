package io.lockstep.playground;

import io.lockstep.test.LockstepNode;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** In production mode there is no playground: /playground and everything under it is 404. */
class PlaygroundProductionTest {

  @RegisterExtension
  static final LockstepNode NODE = new LockstepNode(new JsonObject().put("mode", "production")
      .put("admin", new JsonObject().put("password", "playground-test-password")));

  @Test
  void thePlaygroundIsAbsentInProduction() {
    assertEquals(404, NODE.request(HttpMethod.GET, "/playground", null, null).statusCode());
    assertEquals(404, NODE.request(HttpMethod.GET, "/playground/", null, null).statusCode());
    assertEquals(404, NODE.request(HttpMethod.GET, "/playground/lockstep-client.js", null, null).statusCode());
  }
}
