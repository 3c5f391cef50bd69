package io.lockstep.connection;

import io.lockstep.client.Transport;
import io.lockstep.test.LockstepNode;
import io.lockstep.test.TestDevice;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What PostgreSQL cannot store (a NUL, a lone surrogate, a number that is not finite) is refused at
 * the edge with invalid_field naming the field, in every string of every frame and request: never
 * `internal`, never a PostgreSQL error, nothing written.
 */
class UnstorableInputTest {

  /** As JSON escapes: a JSON encoder would turn a lone surrogate into '?' before it left the client. */
  private static final List<String> POISONS = List.of("a\\u0000b", "a\\ud800b", "\\udc00");
  private static final String MARK = "\u2603poison\u2603";

  @RegisterExtension
  static final LockstepNode NODE = new LockstepNode(LockstepNode.unlimitedSends()
      .put("plugins", new JsonObject().put("config", new JsonObject()
          .put("push-webhook", new JsonObject().put("url", "http://127.0.0.1:9/push")))));

  @Test
  void everyStringOfEveryFrameIsCheckedBeforeTheDatabase() {
    String conversation = NODE.group("uma", "val");
    TestDevice phone = NODE.device("uma");
    phone.connectAndSync();
    List<JsonObject> templates = List.of(
        new JsonObject().put("type", "send").put("conversation_id", conversation).put("client_msg_id", "m1")
            .put("body", new JsonObject().put("text", "hi").put("tags", new JsonArray().add("t"))),
        new JsonObject().put("type", "read").put("conversation_id", conversation).put("up_to", 0),
        new JsonObject().put("type", "mark_unread").put("conversation_id", conversation),
        new JsonObject().put("type", "settings.set").put("scope", "account").put("key", "profile.display_name")
            .put("value", "Uma"),
        new JsonObject().put("type", "settings.set").put("scope", "device").put("key", "drafts.d1").put("value", "draft"),
        new JsonObject().put("type", "settings.get").put("keys", new JsonArray().add("profile.display_name")),
        new JsonObject().put("type", "conversation.create").put("kind", "group").put("members", new JsonArray().add("wes"))
            .put("title", "Title"),
        new JsonObject().put("type", "conversation.add_member").put("conversation_id", conversation).put("user_id", "xia"),
        new JsonObject().put("type", "conversation.remove_member").put("conversation_id", conversation).put("user_id", "val"),
        new JsonObject().put("type", "push.register").put("provider", "webhook").put("token", "tok"),
        new JsonObject().put("type", "sync").put("since", 0).put("conversation_id", conversation));
    double postgresErrors = postgresErrors();
    long rowsBefore = rows();
    List<String> checked = new ArrayList<>();
    for (JsonObject template : templates) {
      for (String path : stringPaths(template, "")) {
        if (path.equals("type")) {
          continue;
        }
        for (String poison : POISONS) {
          JsonObject answer = requestRaw(phone, withValue(template, path, MARK).encode().replace(MARK, poison));
          assertEquals("invalid_field", answer.getString("code"), template.getString("type") + " " + path + ": " + answer.encode());
          assertTrue(answer.getString("message").contains(path), answer.getString("message"));
          checked.add(template.getString("type") + " " + path);
        }
      }
    }
    JsonObject infinite = requestRaw(phone,
        "{\"type\":\"send\",\"conversation_id\":\"" + conversation + "\",\"client_msg_id\":\"inf\",\"body\":{\"n\":1e400}}");
    assertEquals("invalid_field", infinite.getString("code"), infinite.encode());
    for (String notJson : List.of("Infinity", "NaN", "-Infinity")) {
      String frame = "{\"type\":\"send\",\"conversation_id\":\"" + conversation + "\",\"client_msg_id\":\"nan\",\"body\":{\"n\":"
          + notJson + "}}";
      int from = phone.frames().size();
      phone.sendRaw(frame);
      JsonObject refused = phone.awaitFrame(from, f -> "error".equals(f.getString("type")));
      assertTrue(List.of("bad_frame", "invalid_field").contains(refused.getString("code")), notJson + ": " + refused.encode());
    }
    JsonObject keyed = phone.request(new JsonObject().put("type", "send").put("conversation_id", conversation)
        .put("client_msg_id", "k").put("body", new JsonObject().put("bad\u0000key", 1)));
    assertEquals("invalid_field", keyed.getString("code"), "keys are checked too");

    assertTrue(checked.size() > 40, checked.toString());
    assertEquals(postgresErrors, postgresErrors(), "no bad input reached PostgreSQL");
    assertEquals(rowsBefore, rows(), "nothing was written");
    assertEquals("sent", phone.sendMessage(conversation, "fine", "valid input is still served").getString("type"));
  }

  @Test
  void helloFieldsAndTokenSubjectsAreCheckedToo() {
    TestDevice device = NODE.device("yan");
    device.connect();
    JsonObject answer = device.hello(new JsonObject().put("device_name", "pho\u0000ne"));
    assertEquals("invalid_field", answer.getString("code"));
    assertTrue(answer.getString("message").contains("device_name"));
    assertEquals("welcome", device.hello(new JsonObject().put("device_name", "phone")).getString("type"),
        "the connection stays open for a correct hello");

    JWTAuth signer = JWTAuth.create(NODE.vertx(), new JWTAuthOptions()
        .addPubSecKey(new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(LockstepNode.JWT_SECRET)));
    TestDevice nul = NODE.deviceWithToken(signer.generateToken(new JsonObject().put("sub", "z\u0000e"), new JWTOptions()),
        Transport.WEBSOCKET);
    nul.connect();
    assertEquals("unauthorized", nul.hello().getString("code"));
    assertEquals(0L, NODE.sql("SELECT count(*) AS n FROM users WHERE user_id LIKE 'z%'").iterator().next().getLong("n"));
  }

  @Test
  void restBodiesPathsAndQueriesAreCheckedToo() {
    double postgresErrors = postgresErrors();
    var body = NODE.request(HttpMethod.POST, "/v1/devices", NODE.token("zed"), new JsonObject().put("name", "pad\u0000"));
    assertEquals(400, body.statusCode());
    assertEquals("invalid_field", body.bodyAsJsonObject().getString("code"));
    var path = NODE.request(HttpMethod.PUT, "/v1/server/users/z%00d/settings/profile.display_name", LockstepNode.API_KEY,
        new JsonObject().put("value", "x"));
    assertEquals(400, path.statusCode(), path.bodyAsString());
    var devicePath = NODE.request(HttpMethod.DELETE, "/v1/devices/d%00", NODE.token("zed"), null);
    assertEquals(400, devicePath.statusCode(), devicePath.bodyAsString());
    var value = NODE.request(HttpMethod.PUT, "/v1/server/users/zed/settings/profile.display_name", LockstepNode.API_KEY,
        new JsonObject().put("value", "a\u0000"));
    assertEquals(400, value.statusCode(), value.bodyAsString());
    assertEquals(postgresErrors, postgresErrors());
  }

  private static JsonObject requestRaw(TestDevice device, String frame) {
    String id = "raw-" + System.nanoTime();
    device.sendRaw("{\"id\":\"" + id + "\"," + frame.substring(1));
    return device.awaitFrame(f -> id.equals(f.getValue("id")));
  }

  private static List<String> stringPaths(Object value, String path) {
    List<String> paths = new ArrayList<>();
    if (value instanceof String) {
      paths.add(path);
    } else if (value instanceof JsonObject object) {
      object.fieldNames().forEach(key -> paths.addAll(stringPaths(object.getValue(key), path.isEmpty() ? key : path + "." + key)));
    } else if (value instanceof JsonArray array) {
      for (int i = 0; i < array.size(); i++) {
        paths.addAll(stringPaths(array.getValue(i), path + "[" + i + "]"));
      }
    }
    return paths;
  }

  private static JsonObject withValue(JsonObject template, String path, String value) {
    JsonObject copy = template.copy();
    Object container = copy;
    String[] steps = path.split("\\.");
    for (int i = 0; i < steps.length; i++) {
      String step = steps[i];
      int bracket = step.indexOf('[');
      String key = bracket < 0 ? step : step.substring(0, bracket);
      boolean last = i == steps.length - 1;
      JsonObject object = (JsonObject) container;
      if (bracket < 0) {
        if (last) {
          object.put(key, value);
        } else {
          container = object.getValue(key);
        }
      } else {
        JsonArray array = object.getJsonArray(key);
        int index = Integer.parseInt(step.substring(bracket + 1, step.length() - 1));
        if (last) {
          array.set(index, value);
        } else {
          container = array.getValue(index);
        }
      }
    }
    return copy;
  }

  private static double postgresErrors() {
    return NODE.server().metrics().postgresErrors.count();
  }

  private static long rows() {
    return NODE.sql("SELECT (SELECT count(*) FROM messages) + (SELECT count(*) FROM users) + (SELECT count(*) FROM devices)"
        + " + (SELECT count(*) FROM user_events) AS n").iterator().next().getLong("n");
  }
}
