package io.lockstep.client;

import java.util.Map;
import java.util.TreeMap;

/**
 * The server answered the WebSocket upgrade with an HTTP status instead of 101: 429 with
 * {@code Retry-After} (seconds) when the client's address is over its limit (docs/protocol.md).
 */
public final class UpgradeRefusedException extends RuntimeException {

  private final int status;
  private final Map<String, String> headers;

  public UpgradeRefusedException(int status, Map<String, String> headers) {
    super("the server refused the upgrade with HTTP " + status);
    this.status = status;
    Map<String, String> byName = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    byName.putAll(headers);
    this.headers = byName;
  }

  public int status() {
    return status;
  }

  /** A header of the refusal (any case), or null. */
  public String header(String name) {
    return headers.get(name);
  }

  /** Retry-After in seconds, or -1 when the refusal has none. */
  public long retryAfterSeconds() {
    String retryAfter = header("Retry-After");
    return retryAfter == null ? -1 : Long.parseLong(retryAfter.trim());
  }
}
