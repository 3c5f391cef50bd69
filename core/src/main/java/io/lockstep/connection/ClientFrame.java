package io.lockstep.connection;

import io.lockstep.protocol.ErrorCode;
import io.lockstep.protocol.Fields;
import io.lockstep.protocol.LockstepException;
import io.lockstep.protocol.Storable;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;

import java.util.Set;

/**
 * One frame from a client, decoded in the order its errors are reported: size, JSON, id (so that
 * every later error can name the request), storable values, type. A frame that fails a step is
 * answered with that step's error and goes no further.
 */
record ClientFrame(Object id, String type, JsonObject json) {

  static final Set<String> TYPES = Set.of("hello", "send", "ack", "sync", "ping", "read",
      "mark_unread", "settings.set", "settings.get", "conversation.create", "conversation.add_member",
      "conversation.remove_member", "push.register", "push.unregister", "repair", "attention");

  /** Frames above maxBytes of UTF-8 are refused before they are parsed. */
  static boolean tooLarge(String text, int maxBytes) {
    if (text.length() * 3L <= maxBytes) {
      return false;
    }
    return text.length() > maxBytes || Outbound.utf8Length(text) > maxBytes;
  }

  static LockstepException tooLargeError(int maxBytes) {
    return new LockstepException(ErrorCode.FRAME_TOO_LARGE,
        "frames are limited to " + maxBytes + " bytes; this one was not processed");
  }

  /** Parses the JSON and its id; fails (without an id to answer) when either is malformed. */
  static ClientFrame parse(String text) {
    JsonObject json;
    try {
      json = new JsonObject(text);
    } catch (DecodeException | ClassCastException e) {
      throw new LockstepException(ErrorCode.BAD_FRAME, "a frame must be one JSON object");
    }
    Object id = json.getValue("id");
    if (id != null && !(id instanceof String) && !(id instanceof Number)) {
      throw Fields.invalid("id", "must be a string or a number");
    }
    return new ClientFrame(id, null, json);
  }

  /** The frame with its type, once every value is storable and the type is one the server knows. */
  ClientFrame typed() {
    String unstorable = Storable.problem(json);
    if (unstorable != null) {
      throw Fields.invalid(unstorable,
          "holds what cannot be stored (a NUL character, a lone surrogate or a non-finite number)");
    }
    if (!(json.getValue("type") instanceof String name)) {
      throw Fields.invalid("type", "is required and must be a string");
    }
    if (!TYPES.contains(name)) {
      throw new LockstepException(ErrorCode.UNKNOWN_TYPE, "unknown frame type '" + name + "'");
    }
    return new ClientFrame(id, name, json);
  }
}
