package io.lockstep.connection;

import io.lockstep.metrics.LockstepMetrics;
import io.lockstep.protocol.Events;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * Delivers each event of a user's log, or of one stream, to one connection exactly once and in
 * ascending seq, across the switch from backlog to live.
 *
 * @implNote The session registers for live events before the stream reads the backlog.
 * {@code delivered} is the highest seq written to the client; live events at or below it are
 * dropped, live events that run ahead are held in {@code ahead} until the gap is filled, and a gap
 * that does not close within {@link #GAP_GRACE_MS} is filled from the {@link Source} (whatever is
 * live is committed, and so is every lower seq of the user). Live events are held only up to a
 * byte budget and not at all while the client reads too slowly: what is not held is fetched in
 * bounded pages once the client has drained its queue. While the backlog lasts the next page is
 * requested before the current one is written. A page that starts past {@code delivered + 1} means
 * the log was pruned under the client: it gets a snapshot and continues from its head. A
 * device-revoked event for this device is written, then the connection is closed. Confined to the
 * connection's event loop.
 */
final class DeliveryStream {

  static final long GAP_GRACE_MS = 20;
  /** Live events of the user log held while a gap before them closes, in characters; beyond it they are fetched later. */
  static final int MAX_AHEAD_CHARS = 256 * 1024;
  /** The same for each stream a session reads (a user may be in many). */
  static final int MAX_STREAM_AHEAD_CHARS = 16 * 1024;
  /** Catch-up batches (hello with batch: true): at most this many events, or about this many characters. */
  static final int BATCH_EVENTS = 500;
  static final int BATCH_CHARS = 60_000;
  private static final String BATCH_OPENING = "{\"type\":\"events\",\"events\":[";

  /** Where the stream reads what it did not receive live. */
  interface Source {
    /** At most {@code limit} events of the user's log after seq {@code after}. */
    Future<Page> fetch(long after, int limit);

    /** The user's state for a device that starts from nothing or fell behind the retention floor. */
    Future<Snapshot> snapshot();
  }

  /** The connection as the stream sees it. */
  interface Client {
    /** Queues one text frame. */
    void write(String frame);

    /** The client reads too slowly: hold nothing, fetch nothing, until {@link #whenDrained}. */
    boolean aboveHighWater();

    /** Runs the action once the queue has drained (at once if it has). */
    void whenDrained(Runnable action);

    /** The event just written revoked this device: close the connection. */
    void revoked();

    /** The log could not be read: the session cannot continue. */
    void failed(Throwable cause);

    /** The backlog is done ({@code synced} written); live events follow. */
    void caughtUp();

    /** A conversation event was just written (membership may have changed): its frame. */
    void conversationEvent(String frame);
  }

  /** A page of the user's log in seq order; {@code truncated} when a size limit cut it short. */
  record Page(List<Fetched> events, boolean truncated) {
  }

  /** One event of a page, its frame ready to write. */
  record Fetched(long seq, String kind, String frame) {
  }

  /** A snapshot frame ready to write, and the log position it reflects. */
  record Snapshot(String frame, long head) {
  }

  private final Source source;
  private final Client client;
  private final Clock clock;
  private final LockstepMetrics metrics;
  private final String deviceId;
  private final String streamId;
  private final int pageSize;
  private final int maxAheadChars;
  private final boolean batched;
  private final Runnable pump = this::pump;
  private final TreeMap<Long, LiveEvent> ahead = new TreeMap<>();

  private long delivered;
  private long highestSeen;
  private long aheadChars;
  private boolean started;
  private boolean caughtUp;
  private boolean fetching;
  private boolean closed;
  private long gapTimer = -1;
  private boolean paused;
  /** A frame waiting to be written right after the event with seq {@code placedAfter}, and who waits for it. */
  private long placedAfter = -1;
  private String placedFrame;
  private Promise<Boolean> placed;

  /**
   * @param streamId the conversation whose stream this delivers, or null for the user's log
   * @param pageSize events per catch-up page
   * @param maxAheadChars live events held while a gap before them closes, in characters
   * @param batched the client asked for its backlog as batches of events
   */
  DeliveryStream(Source source, Client client, Clock clock, LockstepMetrics metrics, String deviceId, String streamId,
                 int pageSize, int maxAheadChars, boolean batched) {
    this.source = source;
    this.client = client;
    this.clock = clock;
    this.metrics = metrics;
    this.deviceId = deviceId;
    this.streamId = streamId;
    this.pageSize = pageSize;
    this.maxAheadChars = maxAheadChars;
    this.batched = batched;
  }

  /** Continues after this position if it is ahead (a snapshot showed everything up to it). */
  void skipTo(long position) {
    if (position > delivered) {
      delivered = position;
      passedWithoutWriting();
      highestSeen = Math.max(highestSeen, position);
      if (started) {
        drainAhead();
      }
    }
  }

  /**
   * Holds every event back (live ones are kept or noted, no page is fetched; a page already being read
   * is still written) until {@link #placeAfter} or {@link #resume}: the position a state read sees is
   * then one the stream has not passed.
   */
  void pause() {
    paused = true;
  }

  void resume() {
    if (paused) {
      paused = false;
      pump();
    }
  }

  /**
   * Writes a frame in its place among the events: right after the one with this seq (at once if that is
   * the last written), and resumes the stream. Completes true once written; false, with nothing written,
   * when the stream is already past that seq (it stays paused: read again) or passes it without writing
   * it (a snapshot), or closes first. One at a time.
   */
  Future<Boolean> placeAfter(long seq, String frame) {
    if (closed || seq < delivered || placed != null) {
      return Future.succeededFuture(false);
    }
    if (seq == delivered) {
      write(frame);
      resume();
      return Future.succeededFuture(true);
    }
    placedAfter = seq;
    placedFrame = frame;
    placed = Promise.promise();
    Future<Boolean> written = placed.future();
    resume();
    return written;
  }

  /** The event with this seq was just written: a frame placed after it goes now. */
  private void written(long seq) {
    if (placed != null && seq == placedAfter) {
      write(placedFrame);
      settlePlacement(true);
    }
  }

  /** The stream moved past a placed frame's seq without writing the event (a snapshot or skip). */
  private void passedWithoutWriting() {
    if (placed != null && delivered >= placedAfter) {
      settlePlacement(false);
    }
  }

  private void settlePlacement(boolean written) {
    Promise<Boolean> waiting = placed;
    placed = null;
    placedFrame = null;
    placedAfter = -1;
    waiting.complete(written);
  }

  /** Starts with a snapshot and continues from its head. */
  void startWithSnapshot() {
    started = true;
    sendSnapshot();
  }

  /** Starts with the backlog after this seq (or after a later position {@link #skipTo} gave). */
  void startAfter(long cursor) {
    started = true;
    delivered = Math.max(delivered, cursor);
    passedWithoutWriting();
    pump();
  }

  /**
   * Live events for this user. They are held (up to a budget) only while the client keeps up;
   * otherwise only their seq is noted and they are fetched later.
   */
  void onLive(List<LiveEvent> events) {
    if (closed) {
      return;
    }
    boolean hold = !client.aboveHighWater();
    for (LiveEvent event : events) {
      long seq = event.seq();
      if (seq <= delivered) {
        continue;
      }
      highestSeen = Math.max(highestSeen, seq);
      if (hold && aheadChars + event.size() <= maxAheadChars && ahead.putIfAbsent(seq, event) == null) {
        aheadChars += event.size();
      }
    }
    if (caughtUp && !fetching) {
      if (client.aboveHighWater()) {
        client.whenDrained(pump);
      } else {
        pump();
      }
    }
  }

  /** The user's head as the database last saw it: anything beyond what this stream has seen is fetched. */
  void onHead(long head) {
    if (!closed && caughtUp && head > highestSeen) {
      highestSeen = head;
      pump();
    }
  }

  /** Stops for good: nothing more is written or fetched. */
  void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (gapTimer != -1) {
      clock.cancelTimer(gapTimer);
      gapTimer = -1;
    }
    ahead.clear();
    aheadChars = 0;
    if (placed != null) {
      settlePlacement(false);
    }
  }

  private void sendSnapshot() {
    fetching = true;
    source.snapshot().onComplete(done -> {
      fetching = false;
      if (closed) {
        return;
      }
      if (done.failed()) {
        client.failed(done.cause());
        return;
      }
      write(done.result().frame());
      delivered = Math.max(delivered, done.result().head());
      passedWithoutWriting();
      pump();
    });
  }

  /**
   * Moves the stream forward: writes held events that are next in line, and reads the log while
   * the backlog is not done or a gap is known.
   */
  private void pump() {
    if (fetching || closed || paused) {
      return;
    }
    drainAhead();
    if (!caughtUp) {
      fetchPage();
    } else if (highestSeen > delivered && gapTimer == -1) {
      gapTimer = clock.setTimer(GAP_GRACE_MS, () -> {
        gapTimer = -1;
        drainAhead();
        if (highestSeen > delivered && !fetching && !closed && !paused) {
          fetchPage();
        }
      });
    }
  }

  private void fetchPage() {
    if (client.aboveHighWater()) {
      client.whenDrained(pump);
      return;
    }
    fetching = true;
    source.fetch(delivered, pageSize).onComplete(this::onPage);
  }

  /**
   * Writes a fetched page. While the backlog lasts the next page is requested before this one is
   * written, so that the store reads page n+1 while the connection writes page n.
   */
  private void onPage(AsyncResult<Page> done) {
    fetching = false;
    if (closed) {
      return;
    }
    if (done.failed()) {
      client.failed(done.cause());
      return;
    }
    Page page = done.result();
    List<Fetched> events = page.events();
    if (!events.isEmpty() && events.get(0).seq() > delivered + 1) {
      metrics.resetsSent.increment();
      ahead.clear();
      aheadChars = 0;
      sendSnapshot();
      return;
    }
    boolean fullPage = events.size() == pageSize || page.truncated();
    Future<Page> next = null;
    if (!caughtUp && fullPage && !client.aboveHighWater() && !paused) {
      fetching = true;
      next = source.fetch(events.get(events.size() - 1).seq(), pageSize);
    }
    if (batched && !caughtUp) {
      deliverBatched(events);
    } else {
      events.forEach(this::deliver);
    }
    if (next != null) {
      next.onComplete(this::onPage);
      return;
    }
    if (!caughtUp && !fullPage) {
      drainAhead();
      caughtUp = true;
      JsonObject synced = new JsonObject().put("type", "synced");
      if (streamId != null) {
        synced.put("stream", streamId);
      }
      write(synced.put("head", delivered).encode());
      client.caughtUp();
    }
    pump();
  }

  private void drainAhead() {
    while (!ahead.isEmpty() && !closed && !paused) {
      long first = ahead.firstKey();
      if (first > delivered + 1) {
        return;
      }
      LiveEvent event = ahead.pollFirstEntry().getValue();
      aheadChars -= event.size();
      if (first == delivered + 1) {
        delivered = first;
        write(event.frame());
        written(first);
        metrics.deliveryLatency.record(Math.max(0, clock.now() - event.ts()), TimeUnit.MILLISECONDS);
        if (deviceId.equals(event.revokedDevice())) {
          revoked();
        } else if (Events.CONVERSATION.equals(event.kind())) {
          client.conversationEvent(event.frame());
        }
      }
    }
  }

  /**
   * The backlog for a client that asked for batches: consecutive event frames joined into
   * {"type":"events","events":[...]} messages of at most {@value #BATCH_EVENTS} events or about
   * {@value #BATCH_CHARS} characters, written as text without parsing them.
   */
  private void deliverBatched(List<Fetched> events) {
    StringBuilder batch = null;
    int inBatch = 0;
    for (int i = 0; i < events.size() && !closed; i++) {
      Fetched event = events.get(i);
      if (event.seq() != delivered + 1) {
        continue;
      }
      delivered = event.seq();
      highestSeen = Math.max(highestSeen, event.seq());
      if (batch == null) {
        batch = new StringBuilder(BATCH_CHARS + event.frame().length() + 32).append(BATCH_OPENING);
      } else {
        batch.append(',');
      }
      batch.append(event.frame());
      inBatch++;
      boolean revoked = revokesThisDevice(event);
      boolean placedHere = placed != null && event.seq() == placedAfter;
      if (revoked || placedHere || inBatch == BATCH_EVENTS || batch.length() >= BATCH_CHARS || i == events.size() - 1) {
        write(batch.append("]}").toString());
        batch = null;
        inBatch = 0;
      }
      written(event.seq());
      if (revoked) {
        revoked();
      } else if (Events.CONVERSATION.equals(event.kind())) {
        client.conversationEvent(event.frame());
      }
    }
    if (batch != null) {
      write(batch.append("]}").toString());
    }
  }

  /** Writes a fetched event if it is next in line. */
  private void deliver(Fetched event) {
    if (event.seq() != delivered + 1) {
      return;
    }
    delivered = event.seq();
    highestSeen = Math.max(highestSeen, event.seq());
    write(event.frame());
    written(event.seq());
    if (revokesThisDevice(event)) {
      revoked();
    } else if (Events.CONVERSATION.equals(event.kind())) {
      client.conversationEvent(event.frame());
    }
  }

  private boolean revokesThisDevice(Fetched event) {
    if (!Events.DEVICE.equals(event.kind())) {
      return false;
    }
    JsonObject data = new JsonObject(event.frame()).getJsonObject("data");
    return "revoked".equals(data.getString("action")) && deviceId.equals(data.getJsonObject("device").getString("device_id"));
  }

  private void revoked() {
    if (!closed) {
      client.revoked();
      close();
    }
  }

  private void write(String frame) {
    if (!closed) {
      client.write(frame);
    }
  }
}
