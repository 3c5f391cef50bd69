package io.lockstep.conflict;

import io.lockstep.plugin.ConflictDecision;
import io.lockstep.plugin.ConflictPolicyVerticle;
import io.lockstep.plugin.ConflictRequest;

/**
 * reject-stale: a write must name the version it was based on (base_version, 0 for a key never
 * written); a write based on anything older is rejected so the client can reconcile.
 */
public final class RejectStale extends ConflictPolicyVerticle {

  static final String NAME = "reject-stale";

  @Override
  protected String policy() {
    return NAME;
  }

  @Override
  protected ConflictDecision decide(ConflictRequest request) {
    long current = request.stored() == null ? 0 : request.stored().version();
    Long base = request.incoming().baseVersion();
    return base != null && base == current ? ConflictDecision.accept() : ConflictDecision.reject();
  }
}
