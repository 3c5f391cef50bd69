package io.lockstep.bus;

/**
 * Every request/reply address on the event bus, with the verticle that answers it. The typed request
 * of each is in the matching {@code *Calls} class. Addresses are internal (never on the wire), so
 * they keep the names they had before devices and conversations got verticles of their own.
 */
public enum Operation {
  // SyncVerticle: the user logs (LogCalls)
  HELLO("lockstep.sync.hello"),
  SEND("lockstep.sync.send"),
  SEND_BATCH("lockstep.sync.send_batch"),
  ACK("lockstep.sync.ack"),
  FETCH("lockstep.sync.fetch"),
  HISTORY("lockstep.sync.history"),
  SNAPSHOT("lockstep.sync.snapshot"),
  FETCH_STREAM("lockstep.sync.stream.fetch"),
  STREAM_RESET("lockstep.sync.stream.reset"),
  STREAM_ACK("lockstep.sync.stream.ack"),
  // ConversationsVerticle (ConversationCalls)
  CREATE_CONVERSATION("lockstep.sync.conversation.create"),
  ADD_MEMBER("lockstep.sync.conversation.add_member"),
  REMOVE_MEMBER("lockstep.sync.conversation.remove_member"),
  LIST_MEMBERS("lockstep.sync.conversation.members"),
  // DevicesVerticle (DeviceCalls)
  REGISTER_DEVICE("lockstep.sync.device.register"),
  LIST_DEVICES("lockstep.sync.device.list"),
  RENAME_DEVICE("lockstep.sync.device.rename"),
  REVOKE_DEVICE("lockstep.sync.device.revoke"),
  UNLINK_AFTER_DRAIN("lockstep.sync.device.drain"),
  // ReadStateVerticle: account-level read cursors (ReadStateCalls)
  READ("lockstep.readstate.read"),
  MARK_UNREAD("lockstep.readstate.mark_unread"),
  LIST_CONVERSATIONS("lockstep.readstate.conversations"),
  REPAIR("lockstep.readstate.repair"),
  // SettingsVerticle: account and device settings (SettingsCalls)
  SET_SETTING("lockstep.settings.set"),
  GET_SETTINGS("lockstep.settings.get"),
  // PushTokenVerticle: devices' push tokens (PushCalls)
  PUSH_REGISTER("lockstep.notify.token.register"),
  PUSH_UNREGISTER("lockstep.notify.token.unregister"),
  // LockstepServer, from PluginHost: what is loaded (PluginCalls)
  LIST_PLUGINS("lockstep.plugins.list");

  private final String address;

  Operation(String address) {
    this.address = address;
  }

  public String address() {
    return address;
  }
}
