package io.lockstep.bus;

import io.lockstep.protocol.ErrorCode;
import io.lockstep.protocol.Fields;
import io.lockstep.protocol.LockstepException;
import io.lockstep.store.Rejected;

/** The one mapping from a store's {@link Rejected} to the stable error code and sentence a client gets. */
public final class Rejections {

  private Rejections() {
  }

  public static LockstepException toError(Rejected rejected) {
    String subject = rejected.subject();
    return switch (rejected.rejection()) {
      case CONVERSATION_NOT_FOUND -> new LockstepException(ErrorCode.NOT_FOUND, "no conversation " + subject);
      case NOT_MEMBER -> new LockstepException(ErrorCode.NOT_MEMBER, "you are not a member of conversation " + subject);
      case NOT_A_GROUP -> new LockstepException(ErrorCode.INVALID_FIELD,
          "conversation " + subject + " is direct; only groups change members");
      case GROUP_FULL -> new LockstepException(ErrorCode.INVALID_FIELD,
          "conversation " + subject + " already has the maximum of " + rejected.bound() + " members");
      case DEVICE_REVOKED -> new LockstepException(ErrorCode.DEVICE_REVOKED, "device " + subject + " was revoked");
      case DEVICE_UNKNOWN -> new LockstepException(ErrorCode.DEVICE_UNKNOWN,
          "device " + subject + " is not registered; connect without device_id to register a new one");
      case DEVICE_NOT_FOUND -> new LockstepException(ErrorCode.NOT_FOUND, "no device " + subject);
      case DEVICE_NOT_OWNED -> new LockstepException(ErrorCode.DEVICE_NOT_OWNED, "device " + subject + " belongs to another user");
      case ACK_AHEAD -> new LockstepException(ErrorCode.CURSOR_AHEAD,
          "up_to " + rejected.bound() + " is above the head of your log; acknowledge only events you received");
      case NOT_A_STREAM -> new LockstepException(ErrorCode.NOT_MEMBER,
          "conversation " + subject + " is not a stream you are a member of; acknowledge its messages with ack {up_to}");
      case STREAM_ACK_AHEAD -> new LockstepException(ErrorCode.CURSOR_AHEAD,
          "up_to is above the head of stream " + subject + " (" + rejected.bound() + "); acknowledge only events you received");
      case READ_BEYOND_HEAD -> Fields.invalid("up_to",
          "is above the conversation's head (" + rejected.bound() + ")");
    };
  }
}
