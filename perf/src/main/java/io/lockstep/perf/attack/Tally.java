package io.lockstep.perf.attack;

import io.vertx.core.json.JsonObject;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/** Counts of named outcomes (e.g. "http_429", "close_1002"), safe to add to from any thread. */
final class Tally {

  private final Map<String, AtomicLong> counts = new ConcurrentHashMap<>();

  void add(String outcome) {
    counts.computeIfAbsent(outcome, key -> new AtomicLong()).incrementAndGet();
  }

  JsonObject toJson() {
    JsonObject json = new JsonObject();
    new TreeMap<>(counts).forEach((outcome, count) -> json.put(outcome, count.get()));
    return json;
  }
}
