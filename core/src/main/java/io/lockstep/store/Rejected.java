package io.lockstep.store;

/** A store's refusal of a change: a {@link Rejection}, what it concerns, and the bound it ran into if any. */
public final class Rejected extends RuntimeException {

  private final Rejection rejection;
  private final String subject;
  private final Long bound;

  Rejected(Rejection rejection, String subject, Long bound) {
    super(rejection + " " + subject, null, false, false);
    this.rejection = rejection;
    this.subject = subject;
    this.bound = bound;
  }

  public Rejection rejection() {
    return rejection;
  }

  public String subject() {
    return subject;
  }

  public Long bound() {
    return bound;
  }
}
