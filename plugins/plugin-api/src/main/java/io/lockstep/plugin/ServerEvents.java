package io.lockstep.plugin;

/**
 * Events the server publishes on the event bus after a change committed, for extension verticles.
 * Each is published once per change, to the listeners on the node that made it (a local-only publish:
 * in a cluster every node's extensions see that node's changes); bodies are
 * {@link io.vertx.core.json.JsonObject}s. Listen with
 * {@code vertx.eventBus().<JsonObject>consumer(ServerEvents.MESSAGE, ...)}; handlers run on an event
 * loop and must not block.
 */
public final class ServerEvents {

  /**
   * A message was sent: {@code {conversation_id, conv_seq, sender: {user_id, device_id}, body, ts,
   * members, member_seqs}}. {@code member_seqs[i]} is the position of the message in the user log of
   * {@code members[i]}: it orders a user's messages across conversations. A message of a stream (a
   * large conversation) has {@code stream: true} and neither {@code members} nor {@code member_seqs}.
   */
  public static final String MESSAGE = "lockstep.events.message";

  /** An account setting changed: {@code {user_id, key, value, version, hlc, device_id}}. */
  public static final String SETTINGS = "lockstep.events.settings";

  /**
   * A user's read state changed: {@code {user_id, device_id, conversation_id, read_up_to, unread,
   * marked_unread, total_unread}}.
   */
  public static final String READ_STATE = "lockstep.events.read_state";

  private ServerEvents() {
  }
}
