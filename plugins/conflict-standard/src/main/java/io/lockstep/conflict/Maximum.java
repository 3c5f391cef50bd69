package io.lockstep.conflict;

import io.lockstep.plugin.ConflictDecision;
import io.lockstep.plugin.ConflictPolicyVerticle;
import io.lockstep.plugin.ConflictRequest;

/** max: for numbers; the larger value wins, so a counter or a high-water mark never goes back. */
public final class Maximum extends ConflictPolicyVerticle {

  static final String NAME = "max";

  @Override
  protected String policy() {
    return NAME;
  }

  @Override
  protected ConflictDecision decide(ConflictRequest request) {
    if (!(request.incoming().value() instanceof Number incoming)) {
      throw new IllegalArgumentException("must be a number: key " + request.key() + " keeps the largest value written");
    }
    ConflictRequest.Stored stored = request.stored();
    if (stored == null || !(stored.value() instanceof Number current)) {
      return ConflictDecision.accept();
    }
    return incoming.doubleValue() > current.doubleValue() ? ConflictDecision.accept() : ConflictDecision.merge(current);
  }
}
