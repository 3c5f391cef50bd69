package com.example.lockstep;

import io.lockstep.plugin.ConflictDecision;
import io.lockstep.plugin.ConflictPolicyVerticle;
import io.lockstep.plugin.ConflictRequest;

/**
 * A custom conflict policy: once a key has a value, later writes are rejected and the writer gets
 * error {@code conflict} with the value that stays. The base class answers on
 * {@code lockstep.conflict.first-writer-wins}.
 */
public final class FirstWriterWins extends ConflictPolicyVerticle {

  static final String NAME = "first-writer-wins";

  @Override
  protected String policy() {
    return NAME;
  }

  @Override
  protected ConflictDecision decide(ConflictRequest request) {
    ConflictRequest.Stored stored = request.stored();
    return stored == null || stored.value() == null ? ConflictDecision.accept() : ConflictDecision.reject();
  }
}
