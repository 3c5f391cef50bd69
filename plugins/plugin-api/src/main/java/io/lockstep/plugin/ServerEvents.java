package io.lockstep.plugin;

/**
 * Events the server publishes on the event bus after a change committed, for extension verticles.
 * Each is published once per change, to the listeners on the node that made it (a local-only
 * publish: in a cluster every node's extensions see that node's changes); bodies are JSON objects.
 */
public final class ServerEvents {

  /**
   * A message was sent: {conversation_id, conv_seq, sender: {user_id, device_id}, body, ts, members,
   * member_seqs}. {@code member_seqs[i]} is the position of the message in the user log of
   * {@code members[i]}: it orders a user's messages across conversations.
   */
  public static final String MESSAGE = "lockstep.events.message";

  /** An account setting changed: {user_id, key, value, version, hlc, device_id}. */
  public static final String SETTINGS = "lockstep.events.settings";

  /** A user's read state changed: {user_id, device_id, conversation_id, read_up_to, unread, total_unread}. */
  public static final String READ_STATE = "lockstep.events.read_state";

  private ServerEvents() {
  }
}
