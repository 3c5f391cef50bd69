package io.lockstep.perf.attack;

import io.vertx.core.json.JsonObject;

/** One kind of hostile client: started, run until stopped, then asked what became of it. */
interface Attacker {

  /** The name its fate is reported under. */
  String name();

  /** Starts attacking; returns at once. */
  void start();

  /** Stops attacking and waits (briefly) until it has. */
  void stop();

  /** What it did and what the server did to it. */
  JsonObject fate();
}
