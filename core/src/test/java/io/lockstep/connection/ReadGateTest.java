package io.lockstep.connection;

import io.lockstep.metrics.LockstepMetrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Promise;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * When a connection's socket is read: each condition that pauses it (outbound pressure, requests
 * in flight, pages in flight, a frame limit's wait) pauses it once and resumes it when it clears,
 * checked against the exact sequence of pause and resume calls.
 */
class ReadGateTest {

  private static final int MAX_IN_FLIGHT = 3;

  private final List<String> socket = new ArrayList<>();
  private final ManualClock clock = new ManualClock();
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private boolean outboundFull;
  private final ReadGate gate = new ReadGate(paused -> socket.add(paused ? "pause" : "resume"), clock,
      () -> outboundFull, MAX_IN_FLIGHT, new LockstepMetrics(registry));

  @Test
  void aFullOutboundQueuePausesReadingUntilItDrains() {
    outboundFull = true;
    gate.update();
    gate.update();
    expect("pause");
    outboundFull = false;
    gate.update();
    expect("resume");
  }

  @Test
  void requestsAtTheInFlightLimitPauseReadingUntilOneIsAnswered() {
    List<Promise<Void>> requests = new ArrayList<>();
    for (int i = 0; i < MAX_IN_FLIGHT; i++) {
      Promise<Void> request = Promise.promise();
      requests.add(request);
      gate.track(request.future());
    }
    expect("pause");
    assertEquals(1, refusedInFlight());
    requests.get(0).complete();
    expect("resume");
    requests.get(1).complete();
    requests.get(2).complete();
    expect();
  }

  @Test
  void requestsUnderTheLimitLeaveReadingAlone() {
    Promise<Void> request = Promise.promise();
    gate.track(request.future());
    gate.track(Promise.<Void>promise().future());
    request.fail("refused");
    expect();
    assertEquals(0, refusedInFlight());
  }

  @Test
  void twoPagesInFlightPauseReadingUntilOneIsAnswered() {
    Promise<Void> first = Promise.promise();
    Promise<Void> second = Promise.promise();
    assertEquals(first.future(), gate.trackPage(first.future()));
    expect();
    gate.trackPage(second.future());
    expect("pause");
    second.fail("gone");
    expect("resume");
    first.complete();
    expect();
  }

  @Test
  void aFrameLimitPausesReadingForItsWait() {
    gate.pauseFor(100);
    expect("pause");
    clock.advance(99);
    expect();
    clock.advance(1);
    expect("resume");
  }

  @Test
  void aShorterWaitDoesNotCutALongerOneShort() {
    gate.pauseFor(100);
    gate.pauseFor(10);
    clock.advance(10);
    expect("pause");
    clock.advance(90);
    expect("resume");
  }

  @Test
  void aLongerWaitExtendsAShorterOne() {
    gate.pauseFor(10);
    clock.advance(5);
    gate.pauseFor(100);
    clock.advance(5);
    expect("pause");
    clock.advance(95);
    expect("resume");
  }

  @Test
  void aWaitOfNothingStillPausesForAMillisecond() {
    gate.pauseFor(0);
    expect("pause");
    clock.advance(1);
    expect("resume");
  }

  @Test
  void readingResumesOnlyWhenEveryConditionClears() {
    Promise<Void> page = Promise.promise();
    gate.trackPage(page.future());
    gate.trackPage(Promise.<Void>promise().future());
    outboundFull = true;
    gate.pauseFor(50);
    expect("pause");
    page.complete();
    clock.advance(50);
    expect();
    outboundFull = false;
    gate.update();
    expect("resume");
  }

  @Test
  void aClosedGateLeavesTheSocketAlone() {
    gate.close();
    outboundFull = true;
    gate.update();
    gate.pauseFor(10);
    clock.advance(10);
    expect();
  }

  private double refusedInFlight() {
    var counter = registry.find("lockstep.rate.limited").tag("limit", "in_flight").counter();
    return counter == null ? 0 : counter.count();
  }

  private void expect(String... calls) {
    assertEquals(List.of(calls), socket);
    socket.clear();
  }
}
