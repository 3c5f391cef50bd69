package io.lockstep.sync;

import io.lockstep.test.LockstepNode;
import io.lockstep.test.TestDevice;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Conversations: creation by clients and the server API, membership changes, and who may send. */
class ConversationTest {

  @RegisterExtension
  static final LockstepNode NODE = new LockstepNode();

  @Test
  void aDirectConversationIsUniquePerPairAndLandsInBothLogs() {
    TestDevice alice = NODE.device("al");
    TestDevice bob = NODE.device("bo");
    alice.connectAndSync();
    bob.connectAndSync();

    JsonObject created = alice.request(new JsonObject().put("type", "conversation.create").put("kind", "direct")
        .put("members", new JsonArray().add("bo")));
    assertEquals("result", created.getString("type"));
    JsonObject conversation = created.getJsonObject("conversation");
    assertEquals(List.of("al", "bo"), conversation.getJsonArray("members").getList());

    JsonObject again = bob.request(new JsonObject().put("type", "conversation.create").put("kind", "direct")
        .put("members", new JsonArray().add("al")));
    assertEquals(conversation.getString("conversation_id"), again.getJsonObject("conversation").getString("conversation_id"));

    for (TestDevice device : List.of(alice, bob)) {
      JsonObject event = device.awaitFrame(f -> "conversation".equals(f.getString("kind")));
      assertEquals("created", event.getJsonObject("data").getString("action"));
    }
    assertEquals(1, NODE.sql("SELECT count(*) AS n FROM conversations WHERE kind = 'direct'").iterator().next()
        .getLong("n"));
    assertEquals(1, alice.events().stream().filter(e -> "conversation".equals(e.getString("kind"))).count(),
        "creating it again appended nothing");
  }

  @Test
  void groupMembersAreAddedAndRemovedAndOnlyMembersMaySend() {
    TestDevice cleo = NODE.device("cleo");
    TestDevice dirk = NODE.device("dirk");
    cleo.connectAndSync();
    dirk.connectAndSync();
    String group = cleo.request(new JsonObject().put("type", "conversation.create").put("kind", "group")
        .put("title", "climbing").put("members", new JsonArray())).getJsonObject("conversation").getString("conversation_id");

    assertEquals("not_member", dirk.sendMessage(group, "x-1", "let me in").getString("code"));

    JsonObject added = cleo.request(new JsonObject().put("type", "conversation.add_member")
        .put("conversation_id", group).put("user_id", "dirk"));
    assertEquals(List.of("cleo", "dirk"), added.getJsonObject("conversation").getJsonArray("members").getList());
    JsonObject dirksEvent = dirk.awaitFrame(f -> "conversation".equals(f.getString("kind")));
    assertEquals("member_added", dirksEvent.getJsonObject("data").getString("action"));
    assertEquals("sent", dirk.sendMessage(group, "x-2", "thanks").getString("type"));

    HttpResponse<Buffer> removed = NODE.request(HttpMethod.DELETE,
        "/v1/server/conversations/" + group + "/members/dirk", LockstepNode.API_KEY, null);
    assertEquals(200, removed.statusCode());
    dirk.awaitFrame(f -> "conversation".equals(f.getString("kind"))
        && "member_removed".equals(f.getJsonObject("data").getString("action")));
    assertEquals("not_member", dirk.sendMessage(group, "x-3", "still here?").getString("code"));
    JsonObject history = dirk.request(new JsonObject().put("type", "sync").put("conversation_id", group).put("since", 0));
    assertEquals("not_member", history.getString("code"));
  }

  @Test
  void theServerApiManagesConversationsWithTheApiKeyOnly() {
    JsonObject body = new JsonObject().put("kind", "group").put("members", new JsonArray().add("eli").add("flo"));
    assertEquals(401, NODE.request(HttpMethod.POST, "/v1/server/conversations", null, body).statusCode());
    assertEquals(401, NODE.request(HttpMethod.POST, "/v1/server/conversations", NODE.token("eli"), body).statusCode());

    HttpResponse<Buffer> created = NODE.request(HttpMethod.POST, "/v1/server/conversations", LockstepNode.API_KEY, body);
    assertEquals(201, created.statusCode());
    String id = created.bodyAsJsonObject().getJsonObject("conversation").getString("conversation_id");

    HttpResponse<Buffer> added = NODE.request(HttpMethod.POST, "/v1/server/conversations/" + id + "/members/gil",
        LockstepNode.API_KEY, null);
    assertEquals(List.of("eli", "flo", "gil"), added.bodyAsJsonObject().getJsonObject("conversation")
        .getJsonArray("members").getList());
    assertEquals(1L, NODE.sql("SELECT count(*) AS n FROM users WHERE user_id = 'gil'").iterator().next().getLong("n"),
        "accounts come into being on first use");

    HttpResponse<Buffer> unknown = NODE.request(HttpMethod.POST, "/v1/server/conversations/nope/members/gil",
        LockstepNode.API_KEY, null);
    assertEquals(404, unknown.statusCode());
    assertEquals("not_found", unknown.bodyAsJsonObject().getString("code"));
  }

  @Test
  void badConversationRequestsAreRefusedAndChangeNothing() {
    TestDevice hana = NODE.device("hana");
    hana.connectAndSync();
    long before = NODE.sql("SELECT count(*) AS n FROM conversations").iterator().next().getLong("n");

    JsonObject badKind = hana.request(new JsonObject().put("type", "conversation.create").put("kind", "channel")
        .put("members", new JsonArray()));
    assertEquals("invalid_field", badKind.getString("code"));
    assertTrue(badKind.getString("message").contains("kind"));
    JsonObject lonelyDirect = hana.request(new JsonObject().put("type", "conversation.create").put("kind", "direct")
        .put("members", new JsonArray()));
    assertEquals("invalid_field", lonelyDirect.getString("code"));
    JsonObject badMembers = hana.request(new JsonObject().put("type", "conversation.create").put("kind", "group")
        .put("members", new JsonArray().add(7)));
    assertEquals("invalid_field", badMembers.getString("code"));
    JsonObject unknown = hana.sendMessage("no-such-conversation", "u-1", "hi");
    assertEquals("not_found", unknown.getString("code"));

    String direct = hana.request(new JsonObject().put("type", "conversation.create").put("kind", "direct")
        .put("members", new JsonArray().add("ivy"))).getJsonObject("conversation").getString("conversation_id");
    JsonObject grow = hana.request(new JsonObject().put("type", "conversation.add_member").put("conversation_id", direct)
        .put("user_id", "jay"));
    assertEquals("invalid_field", grow.getString("code"));

    long after = NODE.sql("SELECT count(*) AS n FROM conversations").iterator().next().getLong("n");
    assertEquals(before + 1, after, "only the valid direct conversation was created");
  }
}
