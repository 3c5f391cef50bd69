package com.example.myplugin;

import io.lockstep.plugin.ConfigTree;

import java.net.URI;
import java.time.Duration;
import java.util.Set;

/**
 * The relay's settings, {@code plugins.config.my-plugin.relay}: where to POST each push, and how long
 * to wait for the answer.
 *
 * @param url the relay's absolute http(s) URL
 * @param timeout how long to wait; no answer in time is a retry
 */
public record RelayConfig(URI url, Duration timeout) {

  static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

  /** Reads the section; a missing URL, a bad value or an unknown key is refused with a sentence naming it. */
  // snippet:begin config
  static RelayConfig from(ConfigTree section) {
    section.onlyKeys(Set.of("url", "timeout"));
    URI url = section.httpUrl("url", null);
    if (url == null) {
      throw section.invalid("url", "is missing");
    }
    Duration timeout = section.has("timeout") ? section.duration("timeout") : DEFAULT_TIMEOUT;
    return new RelayConfig(url, timeout);
  }
  // snippet:end
}
