package io.lockstep.protocol;

/** The kinds of user-log events (their frames are built by PostgreSQL: {@link EventFrames}). */
public final class Events {

  public static final String MESSAGE = "message";
  public static final String CONVERSATION = "conversation";
  public static final String DEVICE = "device";
  public static final String READ_STATE = "read_state";
  public static final String RECEIPT = "receipt";
  public static final String SETTINGS = "settings";

  private Events() {
  }
}
