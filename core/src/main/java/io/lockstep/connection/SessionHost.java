package io.lockstep.connection;

import io.vertx.core.Future;

/** Where a session announces itself once it knows its user and device, and leaves when it closes. */
interface SessionHost {

  /** Registers for live events (locally and in the Redis routing table); completes before the backlog is read. */
  Future<Void> register(DeviceSession session);

  /** Removes the session; registered says whether it had completed {@link #register}. */
  Future<Void> unregister(DeviceSession session, boolean registered);

  /**
   * The session's user said where their attention is (focused, background or idle): recorded in its
   * presence and on its device. Completes once both are written.
   */
  Future<Void> attention(DeviceSession session, String previous);

  /** Registers the session for the live events of a stream. */
  void readStream(DeviceSession session, String conversationId);

  /** Removes the session from the live events of a stream. */
  void stopReading(DeviceSession session, String conversationId);
}
