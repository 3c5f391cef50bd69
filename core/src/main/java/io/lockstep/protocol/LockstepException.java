package io.lockstep.protocol;

import io.vertx.core.json.JsonObject;

/** A request that cannot be served, carrying its stable error code and a sentence for a human. */
public final class LockstepException extends RuntimeException {

  private final ErrorCode code;
  private final JsonObject details;

  public LockstepException(ErrorCode code, String message) {
    this(code, message, null);
  }

  /** With details: fields added to the error frame or body, e.g. conflict's current value. */
  public LockstepException(ErrorCode code, String message, JsonObject details) {
    super(message, null, false, false);
    this.code = code;
    this.details = details;
  }

  public ErrorCode code() {
    return code;
  }

  public JsonObject details() {
    return details;
  }

  /** The error as the wire shows it: {code, message, ...details}. */
  public JsonObject toJson() {
    JsonObject json = new JsonObject().put("code", code.wire()).put("message", getMessage());
    return details == null ? json : json.mergeIn(details);
  }

  /** How the failure travels as an event-bus failure message: the sentence, or JSON when there are details. */
  public String busMessage() {
    return details == null ? getMessage() : new JsonObject().put("message", getMessage()).put("details", details).encode();
  }

  /** Maps any failure to a LockstepException, hiding internal details behind INTERNAL. */
  public static LockstepException of(Throwable failure) {
    if (failure instanceof LockstepException known) {
      return known;
    }
    if (failure instanceof io.vertx.core.eventbus.ReplyException reply
        && reply.failureType() == io.vertx.core.eventbus.ReplyFailure.RECIPIENT_FAILURE) {
      String message = String.valueOf(reply.getMessage());
      ErrorCode code = ErrorCode.fromFailureCode(reply.failureCode());
      if (message.startsWith("{\"message\"")) {
        JsonObject parsed = new JsonObject(message);
        return new LockstepException(code, parsed.getString("message"), parsed.getJsonObject("details"));
      }
      return new LockstepException(code, message);
    }
    return new LockstepException(ErrorCode.INTERNAL, "the server could not complete the request; it was not applied, try again");
  }
}
