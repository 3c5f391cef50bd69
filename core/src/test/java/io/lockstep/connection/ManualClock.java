package io.lockstep.connection;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** A clock that moves only when a test advances it, running the timers that fall due on the way. */
final class ManualClock implements Clock {

  private record Timer(long id, long due, Runnable action) {
  }

  private final List<Timer> timers = new ArrayList<>();
  private long now = 1_000_000;
  private long nextId;

  @Override
  public long now() {
    return now;
  }

  @Override
  public long setTimer(long delayMs, Runnable action) {
    Timer timer = new Timer(++nextId, now + delayMs, action);
    timers.add(timer);
    return timer.id();
  }

  @Override
  public void cancelTimer(long id) {
    timers.removeIf(timer -> timer.id() == id);
  }

  /** Moves time forward, running each timer due by then at its own time, earliest first. */
  void advance(long millis) {
    long until = now + millis;
    while (true) {
      Timer next = timers.stream().filter(timer -> timer.due() <= until)
          .min(Comparator.comparingLong(Timer::due).thenComparingLong(Timer::id)).orElse(null);
      if (next == null) {
        break;
      }
      timers.remove(next);
      now = next.due();
      next.action().run();
    }
    now = until;
  }

  /** Timers set and neither run nor cancelled. */
  int pending() {
    return timers.size();
  }
}
