package io.lockstep.conflict;

import io.lockstep.plugin.ConflictDecision;
import io.lockstep.plugin.ConflictPolicyVerticle;
import io.lockstep.plugin.ConflictRequest;

/**
 * lww: the write with the later hybrid-logical-clock stamp wins, the larger device id breaking ties.
 * An older write is rejected, whatever order the writes reach the server in, so all devices converge
 * on the write that was made last.
 */
public final class LastWriterWins extends ConflictPolicyVerticle {

  static final String NAME = "lww";

  @Override
  protected String policy() {
    return NAME;
  }

  @Override
  protected ConflictDecision decide(ConflictRequest request) {
    ConflictRequest.Stored stored = request.stored();
    ConflictRequest.Incoming incoming = request.incoming();
    if (stored == null) {
      return ConflictDecision.accept();
    }
    int order = Long.compare(incoming.hlc(), stored.hlc());
    if (order == 0) {
      order = String.valueOf(incoming.deviceId()).compareTo(String.valueOf(stored.deviceId()));
    }
    return order > 0 ? ConflictDecision.accept() : ConflictDecision.reject();
  }
}
