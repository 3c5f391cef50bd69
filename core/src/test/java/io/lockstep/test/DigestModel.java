package io.lockstep.test;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * A client's local copy of the state the state digest covers, kept only from what the server sends
 * (snapshot, events, state replies) by the rules of docs/protocol.md, and its digest computed
 * independently of the server: SHA-256 per item, summed modulo 2^64.
 */
public final class DigestModel {

  private static final BigInteger MODULUS = BigInteger.ONE.shiftLeft(64);

  private final String self;
  private final Map<String, long[]> reads = new HashMap<>();
  private final Set<String> streams = new HashSet<>();
  private final Map<String, Long> settings = new HashMap<>();

  public DigestModel(String self) {
    this.self = self;
  }

  public void applySnapshot(JsonObject snapshot) {
    reads.clear();
    streams.clear();
    settings.clear();
    for (Object entry : snapshot.getJsonArray("conversations")) {
      JsonObject conversation = (JsonObject) entry;
      setRead(conversation.getString("conversation_id"), conversation.getLong("read_up_to"),
          conversation.getBoolean("marked_unread"), conversation.getBoolean("stream", false));
    }
    snapshot.getJsonObject("settings").getJsonObject("account")
        .forEach(entry -> settings.put(entry.getKey(), ((JsonObject) entry.getValue()).getLong("version")));
  }

  /** The reply to repair: the whole state at its seq. */
  public void applyState(JsonObject state) {
    reads.clear();
    streams.clear();
    settings.clear();
    for (Object entry : state.getJsonArray("conversations")) {
      JsonObject conversation = (JsonObject) entry;
      setRead(conversation.getString("conversation_id"), conversation.getLong("read_up_to"),
          conversation.getBoolean("marked_unread"), conversation.getBoolean("stream", false));
    }
    state.getJsonObject("settings")
        .forEach(entry -> settings.put(entry.getKey(), ((JsonObject) entry.getValue()).getLong("version")));
  }

  public void applyEvent(JsonObject event) {
    JsonObject data = event.getJsonObject("data");
    switch (event.getString("kind")) {
      case "message" -> {
        String conversationId = data.getString("conversation_id");
        if (self.equals(data.getJsonObject("sender").getString("user_id")) && !streams.contains(conversationId)) {
          long[] state = reads.computeIfAbsent(conversationId, id -> new long[2]);
          state[0] = Math.max(state[0], data.getLong("conv_seq"));
          state[1] = 0;
        }
      }
      case "read_state" -> {
        long[] state = reads.computeIfAbsent(data.getString("conversation_id"), id -> new long[2]);
        state[0] = data.getLong("read_up_to");
        state[1] = data.getBoolean("marked_unread") ? 1 : 0;
      }
      case "settings" -> settings.put(data.getString("key"), data.getLong("version"));
      case "conversation" -> applyConversation(data);
      default -> {
      }
    }
  }

  private void applyConversation(JsonObject data) {
    JsonObject conversation = data.getJsonObject("conversation");
    String conversationId = conversation.getString("conversation_id");
    boolean stream = conversation.getBoolean("stream", false);
    JsonArray joined = data.getJsonArray("user_ids", new JsonArray().add(data.getString("user_id", "")));
    switch (data.getString("action")) {
      case "created" -> setRead(conversationId, 0, false, stream);
      case "member_added" -> {
        if (joined.contains(self)) {
          setRead(conversationId, conversation.getLong("head"), false, stream);
        } else if (stream) {
          streams.add(conversationId);
        }
      }
      case "member_removed" -> {
        if (self.equals(data.getString("user_id"))) {
          reads.remove(conversationId);
          streams.remove(conversationId);
        }
      }
      case "converted" -> streams.add(conversationId);
      default -> {
      }
    }
  }

  private void setRead(String conversationId, long readUpTo, boolean marked, boolean stream) {
    reads.put(conversationId, new long[] {readUpTo, marked ? 1 : 0});
    if (stream) {
      streams.add(conversationId);
    } else {
      streams.remove(conversationId);
    }
  }

  /** Moves one conversation's local read cursor behind the server's back (a client bug, a bad cache). */
  public void corruptRead(String conversationId, long readUpTo) {
    reads.computeIfAbsent(conversationId, id -> new long[2])[0] = readUpTo;
  }

  public long readUpTo(String conversationId) {
    long[] state = reads.get(conversationId);
    return state == null ? 0 : state[0];
  }

  public String digest() {
    BigInteger sum = BigInteger.ZERO;
    for (Map.Entry<String, long[]> entry : reads.entrySet()) {
      long[] state = entry.getValue();
      if (!streams.contains(entry.getKey()) && (state[0] > 0 || state[1] == 1)) {
        sum = sum.add(hash("read\n" + entry.getKey() + "\n" + state[0] + "\n" + state[1]));
      }
    }
    for (Map.Entry<String, Long> entry : settings.entrySet()) {
      sum = sum.add(hash("setting\n" + entry.getKey() + "\n" + entry.getValue()));
    }
    String hex = sum.mod(MODULUS).toString(16);
    return "0".repeat(16 - hex.length()) + hex;
  }

  private static BigInteger hash(String item) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(item.getBytes(StandardCharsets.UTF_8));
      byte[] first = new byte[9];
      System.arraycopy(digest, 0, first, 1, 8);
      return new BigInteger(first);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
