package io.lockstep.conflict;

import io.lockstep.plugin.ConflictDecision;
import io.lockstep.plugin.ConflictPolicyVerticle;
import io.lockstep.plugin.ConflictRequest;

/** arrival: the last write to reach the server wins. */
public final class ArrivalOrder extends ConflictPolicyVerticle {

  static final String NAME = "arrival";

  @Override
  protected String policy() {
    return NAME;
  }

  @Override
  protected ConflictDecision decide(ConflictRequest request) {
    return ConflictDecision.accept();
  }
}
