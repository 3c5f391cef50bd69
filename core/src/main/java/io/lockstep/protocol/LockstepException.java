package io.lockstep.protocol;

/** A request that cannot be served, carrying its stable error code and a sentence for a human. */
public final class LockstepException extends RuntimeException {

  private final ErrorCode code;

  public LockstepException(ErrorCode code, String message) {
    super(message, null, false, false);
    this.code = code;
  }

  public ErrorCode code() {
    return code;
  }

  /** Maps any failure to a LockstepException, hiding internal details behind INTERNAL. */
  public static LockstepException of(Throwable failure) {
    if (failure instanceof LockstepException known) {
      return known;
    }
    if (failure instanceof io.vertx.core.eventbus.ReplyException reply
        && reply.failureType() == io.vertx.core.eventbus.ReplyFailure.RECIPIENT_FAILURE) {
      return new LockstepException(ErrorCode.fromFailureCode(reply.failureCode()), reply.getMessage());
    }
    return new LockstepException(ErrorCode.INTERNAL, "the server could not complete the request; it was not applied, try again");
  }
}
