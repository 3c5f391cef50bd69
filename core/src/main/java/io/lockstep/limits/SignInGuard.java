package io.lockstep.limits;

import io.lockstep.config.LimitsConfig.Rated;

/**
 * Guards the operators' password (console sign-in and /metrics Basic auth) against guessing. Failed
 * attempts are counted per client address and per user name. An address out of tokens is locked out,
 * the right password included, until its bucket refills. A user name out of tokens is locked only for
 * addresses that have failed recently, so a guesser cannot lock the operator out: from a clean
 * address the right password still works.
 */
public final class SignInGuard {

  private final RateLimits limits;

  public SignInGuard(RateLimits limits) {
    this.limits = limits;
  }

  /** Null when the attempt may be checked, else the refusal (counted) with the wait. */
  public Refusal check(String address, String username) {
    long addressWait = limits.waitForOne(Rated.SIGN_IN_IP, address);
    if (addressWait > 0) {
      return limits.refused(Rated.SIGN_IN_IP, addressWait);
    }
    long nameWait = limits.waitForOne(Rated.SIGN_IN_USERNAME, username);
    if (nameWait > 0 && limits.drawnOn(Rated.SIGN_IN_IP, address)) {
      return limits.refused(Rated.SIGN_IN_USERNAME, nameWait);
    }
    return null;
  }

  /** Counts a wrong user name or password against the address and the user name. */
  public void failed(String address, String username) {
    limits.count(Rated.SIGN_IN_IP, address);
    limits.count(Rated.SIGN_IN_USERNAME, username);
  }
}
