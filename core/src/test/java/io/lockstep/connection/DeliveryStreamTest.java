package io.lockstep.connection;

import io.lockstep.connection.DeliveryStream.Fetched;
import io.lockstep.connection.DeliveryStream.Page;
import io.lockstep.connection.DeliveryStream.Snapshot;
import io.lockstep.metrics.LockstepMetrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import org.junit.jupiter.api.Test;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.IntStream;

import static io.lockstep.connection.DeliveryStream.BATCH_EVENTS;
import static io.lockstep.connection.DeliveryStream.GAP_GRACE_MS;
import static io.lockstep.connection.DeliveryStream.MAX_AHEAD_CHARS;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The delivery machine on its own: each test drives live events, pages, snapshots, the client's
 * queue pressure and the gap timer by hand, and checks the exact transcript of what was written to
 * the client and asked of the store, in order.
 */
class DeliveryStreamTest {

  private static final String DEVICE = "phone";
  private static final int PAGE = 100;

  /** What the stream did, in order: frames written, "fetch after=N", "snapshot", "wait for drain", "revoked", "failed: ...". */
  private final List<String> log = new ArrayList<>();
  private final Deque<Promise<Page>> pages = new ArrayDeque<>();
  private final Deque<Promise<Snapshot>> snapshots = new ArrayDeque<>();
  private final List<Runnable> waitingForDrain = new ArrayList<>();
  private final ManualClock clock = new ManualClock();
  private final LockstepMetrics metrics = new LockstepMetrics(new SimpleMeterRegistry());
  private boolean aboveHighWater;

  private final DeliveryStream.Source source = new DeliveryStream.Source() {
    @Override
    public Future<Page> fetch(long after, int limit) {
      log.add("fetch after=" + after + (limit == PAGE ? "" : " limit=" + limit));
      Promise<Page> page = Promise.promise();
      pages.add(page);
      return page.future();
    }

    @Override
    public Future<Snapshot> snapshot() {
      log.add("snapshot");
      Promise<Snapshot> snapshot = Promise.promise();
      snapshots.add(snapshot);
      return snapshot.future();
    }
  };

  private final DeliveryStream.Client client = new DeliveryStream.Client() {
    @Override
    public void write(String frame) {
      log.add(frame);
    }

    @Override
    public boolean aboveHighWater() {
      return aboveHighWater;
    }

    @Override
    public void whenDrained(Runnable action) {
      log.add("wait for drain");
      if (!waitingForDrain.contains(action)) {
        waitingForDrain.add(action);
      }
    }

    @Override
    public void revoked() {
      log.add("revoked");
    }

    @Override
    public void failed(Throwable cause) {
      log.add("failed: " + cause.getMessage());
    }

    @Override
    public void caughtUp() {
      caughtUpCalls++;
    }

    @Override
    public void conversationEvent(String frame) {
      conversationEvents.add(frame);
    }
  };
  private int caughtUpCalls;
  private final List<String> conversationEvents = new ArrayList<>();
  private String streamId;

  // ---- live events

  @Test
  void liveEventsInOrderAreWrittenAtOnceAndTheirLatencyRecorded() {
    DeliveryStream stream = caughtUpAt(0);
    stream.onLive(List.of(live(1), new LiveEvent(2, clock.now() - 7, "message", liveFrame(2), null)));
    expect(liveFrame(1), liveFrame(2));
    assertEquals(0, clock.pending());
    assertEquals(2, metrics.deliveryLatency.count());
    assertEquals(7, metrics.deliveryLatency.max(TimeUnit.MILLISECONDS));
  }

  @Test
  void liveEventsAlreadyDeliveredAreDropped() {
    DeliveryStream stream = caughtUpAt(5);
    stream.onLive(List.of(live(3), live(5)));
    stream.onLive(List.of(live(6)));
    stream.onLive(List.of(live(6), live(4)));
    expect(liveFrame(6));
    clock.advance(GAP_GRACE_MS * 10);
    expect();
  }

  // ---- a frame placed among the events (repair's state)

  @Test
  void whilePausedNothingIsWrittenAndAPlacedFrameComesRightAfterItsEvent() {
    DeliveryStream stream = caughtUpAt(0);
    stream.onLive(List.of(live(1)));
    stream.pause();
    stream.onLive(List.of(live(2), live(3)));
    expect(liveFrame(1));
    AtomicReference<Boolean> placed = new AtomicReference<>();
    stream.placeAfter(2, "{\"type\":\"state\"}").onSuccess(placed::set);
    stream.onLive(List.of(live(4)));
    expect(liveFrame(2), "{\"type\":\"state\"}", liveFrame(3), liveFrame(4));
    assertEquals(true, placed.get());
  }

  @Test
  void aPlacementTheStreamIsAlreadyPastFailsAndKeepsItPaused() {
    DeliveryStream stream = caughtUpAt(0);
    stream.onLive(List.of(live(1), live(2)));
    stream.pause();
    AtomicReference<Boolean> placed = new AtomicReference<>();
    stream.placeAfter(1, "{\"type\":\"state\"}").onSuccess(placed::set);
    assertEquals(false, placed.get());
    stream.onLive(List.of(live(3)));
    expect(liveFrame(1), liveFrame(2));
    stream.placeAfter(2, "{\"type\":\"state\"}").onSuccess(placed::set);
    expect("{\"type\":\"state\"}", liveFrame(3));
    assertEquals(true, placed.get());
  }

  @Test
  void aLiveEventAheadIsHeldUntilTheGapFills() {
    DeliveryStream stream = caughtUpAt(0);
    stream.onLive(List.of(live(2)));
    stream.onLive(List.of(live(3)));
    expect();
    assertEquals(1, clock.pending(), "one gap timer, however many events wait");
    stream.onLive(List.of(live(1)));
    expect(liveFrame(1), liveFrame(2), liveFrame(3));
    clock.advance(GAP_GRACE_MS);
    expect();
  }

  @Test
  void aGapThatDoesNotCloseWithinTheGraceIsFetched() {
    DeliveryStream stream = caughtUpAt(0);
    stream.onLive(List.of(live(2)));
    clock.advance(GAP_GRACE_MS - 1);
    expect();
    clock.advance(1);
    expect("fetch after=0");
    page(fetched(1), fetched(2));
    expect(pageFrame(1), pageFrame(2));
    stream.onLive(List.of(live(3)));
    expect(liveFrame(3));
  }

  @Test
  void liveEventsBeyondTheHeldBudgetAreFetchedLater() {
    DeliveryStream stream = caughtUpAt(0);
    stream.onLive(List.of(sized(2, MAX_AHEAD_CHARS - 100), sized(3, 200)));
    stream.onLive(List.of(live(1)));
    expect(liveFrame(1), sizedFrame(2, MAX_AHEAD_CHARS - 100));
    clock.advance(GAP_GRACE_MS);
    expect("fetch after=2");
    page(fetched(3));
    expect(pageFrame(3));

    stream.onLive(List.of(sized(5, MAX_AHEAD_CHARS - 100)));
    stream.onLive(List.of(live(4)));
    expect(liveFrame(4), sizedFrame(5, MAX_AHEAD_CHARS - 100));
  }

  @Test
  void aSlowClientHasNothingHeldAndIsFetchedForOnceItDrains() {
    DeliveryStream stream = caughtUpAt(0);
    aboveHighWater = true;
    stream.onLive(List.of(live(1)));
    stream.onLive(List.of(live(2)));
    expect("wait for drain", "wait for drain");
    assertEquals(1, waitingForDrain.size());
    drain();
    expect();
    clock.advance(GAP_GRACE_MS);
    expect("fetch after=0");
    page(fetched(1), fetched(2));
    expect(pageFrame(1), pageFrame(2));
  }

  @Test
  void aHeadBeyondWhatWasSeenIsFetchedAfterTheGrace() {
    DeliveryStream stream = caughtUpAt(0);
    stream.onHead(0);
    assertEquals(0, clock.pending());
    stream.onHead(3);
    expect();
    clock.advance(GAP_GRACE_MS);
    expect("fetch after=0");
    stream.onHead(4);
    clock.advance(GAP_GRACE_MS / 2);
    page(fetched(1), fetched(2), fetched(3));
    expect(pageFrame(1), pageFrame(2), pageFrame(3));
    clock.advance(GAP_GRACE_MS / 2);
    expect();
    clock.advance(GAP_GRACE_MS / 2);
    expect("fetch after=3");
    page(fetched(4));
    expect(pageFrame(4));
    stream.onHead(4);
    clock.advance(GAP_GRACE_MS);
    expect();
  }

  @Test
  void aHeadDuringTheBacklogIsLeftToTheBacklog() {
    DeliveryStream stream = stream(PAGE, false);
    stream.startAfter(0);
    stream.onHead(9);
    expect("fetch after=0");
    page();
    expect(synced(0));
    clock.advance(GAP_GRACE_MS);
    expect();
  }

  // ---- backlog

  @Test
  void backlogPagesArePipelinedAndLiveEventsHeldMeanwhileFollowThem() {
    DeliveryStream stream = stream(2, false);
    stream.startAfter(0);
    expect("fetch after=0 limit=2");
    stream.onLive(List.of(live(5), live(6)));
    page(fetched(1), fetched(2));
    expect("fetch after=2 limit=2", pageFrame(1), pageFrame(2));
    truncatedPage(fetched(3));
    expect("fetch after=3 limit=2", pageFrame(3));
    page(fetched(4), fetched(5));
    expect("fetch after=5 limit=2", pageFrame(4), pageFrame(5));
    page();
    expect(liveFrame(6), synced(6));
    stream.onLive(List.of(live(7)));
    expect(liveFrame(7));
  }

  @Test
  void theLastPageDrainsHeldLiveEventsBeforeSynced() {
    DeliveryStream stream = stream(PAGE, false);
    stream.startAfter(0);
    stream.onLive(List.of(live(3), live(4)));
    page(fetched(1), fetched(2));
    expect("fetch after=0", pageFrame(1), pageFrame(2), liveFrame(3), liveFrame(4), synced(4));
  }

  @Test
  void aClientAboveHighWaterGetsNoPageUntilItDrains() {
    aboveHighWater = true;
    DeliveryStream stream = stream(2, false);
    stream.startAfter(0);
    expect("wait for drain");
    drain();
    expect("fetch after=0 limit=2");
    aboveHighWater = true;
    page(fetched(1), fetched(2));
    expect(pageFrame(1), pageFrame(2), "wait for drain");
    drain();
    expect("fetch after=2 limit=2");
    page();
    expect(synced(2));
  }

  @Test
  void aPageThatStartsPastTheCursorMeansPrunedSoASnapshotFollowsAndHeldEventsAreDropped() {
    DeliveryStream stream = stream(PAGE, false);
    stream.startAfter(0);
    stream.onLive(List.of(live(7)));
    page(fetched(5), fetched(6));
    expect("fetch after=0", "snapshot");
    assertEquals(1, metrics.resetsSent.count());
    snapshot("SNAPSHOT@6", 6);
    expect("SNAPSHOT@6", "fetch after=6");
    page(fetched(7));
    expect(pageFrame(7), synced(7));
  }

  @Test
  void aNewDeviceStartsWithASnapshotAndContinuesFromItsHead() {
    DeliveryStream stream = stream(PAGE, false);
    stream.startWithSnapshot();
    stream.onLive(List.of(live(5)));
    expect("snapshot");
    snapshot("SNAPSHOT@4", 4);
    expect("SNAPSHOT@4", liveFrame(5), "fetch after=5");
    page();
    expect(synced(5));
  }

  @Test
  void aSnapshotNeverMovesTheStreamBack() {
    DeliveryStream stream = stream(PAGE, false);
    stream.startAfter(10);
    page(fetched(15));
    expect("fetch after=10", "snapshot");
    snapshot("SNAPSHOT@8", 8);
    expect("SNAPSHOT@8", "fetch after=10");
  }

  @Test
  void fetchedEventsOutOfLineAreSkipped() {
    DeliveryStream stream = stream(PAGE, false);
    stream.startAfter(2);
    page(fetched(2), fetched(3), fetched(3), fetched(4));
    expect("fetch after=2", pageFrame(3), pageFrame(4), synced(4));
  }

  // ---- batched catch-up

  @Test
  void batchedCatchUpJoinsFramesIntoEventsMessagesOfBoundedCount() {
    DeliveryStream stream = stream(1000, true);
    stream.startAfter(0);
    Fetched[] events = IntStream.rangeClosed(1, BATCH_EVENTS + 1).mapToObj(DeliveryStreamTest::fetched).toArray(Fetched[]::new);
    page(events);
    expect("fetch after=0 limit=1000",
        batch(Arrays.copyOfRange(events, 0, BATCH_EVENTS)),
        batch(events[BATCH_EVENTS]),
        synced(BATCH_EVENTS + 1));
    stream.onLive(List.of(live(BATCH_EVENTS + 2)));
    expect(liveFrame(BATCH_EVENTS + 2));
    stream.onLive(List.of(live(BATCH_EVENTS + 4)));
    clock.advance(GAP_GRACE_MS);
    expect("fetch after=" + (BATCH_EVENTS + 2) + " limit=1000");
    page(fetched(BATCH_EVENTS + 3), fetched(BATCH_EVENTS + 4));
    expect(pageFrame(BATCH_EVENTS + 3), pageFrame(BATCH_EVENTS + 4));
  }

  @Test
  void batchedCatchUpJoinsFramesIntoEventsMessagesOfBoundedSize() {
    DeliveryStream stream = stream(PAGE, true);
    stream.startAfter(0);
    Fetched first = fetchedSized(1, 30_000);
    Fetched second = fetchedSized(2, 30_000);
    Fetched third = fetchedSized(3, 30_000);
    page(first, second, third, fetched(3));
    expect("fetch after=0", batch(first, second), batch(third), synced(3));
  }

  @Test
  void batchedCatchUpEndsWithTheEventThatRevokesThisDevice() {
    DeliveryStream stream = stream(PAGE, true);
    stream.startAfter(0);
    page(fetched(1), revocation(2, DEVICE), fetched(3));
    expect("fetch after=0", batch(fetched(1), revocation(2, DEVICE)), "revoked");
    stream.onLive(List.of(live(4)));
    clock.advance(GAP_GRACE_MS);
    expect();
  }

  @Test
  void batchedCatchUpCarriesOnPastAnotherDevicesRevocation() {
    DeliveryStream stream = stream(PAGE, true);
    stream.startAfter(0);
    page(fetched(1), revocation(2, "laptop"), fetched(3));
    expect("fetch after=0", batch(fetched(1), revocation(2, "laptop"), fetched(3)), synced(3));
  }

  // ---- revocation

  @Test
  void aLiveEventRevokingThisDeviceIsWrittenThenTheConnectionCloses() {
    DeliveryStream stream = caughtUpAt(0);
    LiveEvent revoked = new LiveEvent(1, clock.now(), "device", "{\"seq\":1,\"revoked\":true}", DEVICE);
    stream.onLive(List.of(revoked, live(2)));
    expect(revoked.frame(), "revoked");
    stream.onLive(List.of(live(3)));
    stream.onHead(9);
    clock.advance(GAP_GRACE_MS);
    expect();
  }

  @Test
  void aLiveEventRevokingAnotherDeviceIsJustWritten() {
    DeliveryStream stream = caughtUpAt(0);
    LiveEvent revoked = new LiveEvent(1, clock.now(), "device", "{\"seq\":1,\"revoked\":true}", "laptop");
    stream.onLive(List.of(revoked, live(2)));
    expect(revoked.frame(), liveFrame(2));
  }

  @Test
  void aFetchedEventRevokingThisDeviceIsWrittenThenTheConnectionCloses() {
    DeliveryStream stream = stream(PAGE, false);
    stream.startAfter(0);
    page(fetched(1), revocation(2, DEVICE), fetched(3));
    expect("fetch after=0", pageFrame(1), revocation(2, DEVICE).frame(), "revoked");
  }

  @Test
  void aFetchedEventRevokingAnotherDeviceIsJustWritten() {
    DeliveryStream stream = stream(PAGE, false);
    stream.startAfter(0);
    page(fetched(1), revocation(2, "laptop"), fetched(3));
    expect("fetch after=0", pageFrame(1), revocation(2, "laptop").frame(), pageFrame(3), synced(3));
  }

  // ---- closing and failures

  @Test
  void aClosedStreamIgnoresEverything() {
    DeliveryStream stream = caughtUpAt(0);
    stream.onLive(List.of(live(2)));
    assertEquals(1, clock.pending());
    stream.close();
    assertEquals(0, clock.pending(), "the gap timer is cancelled");
    stream.onLive(List.of(live(1)));
    stream.onHead(5);
    clock.advance(GAP_GRACE_MS);
    expect();
  }

  @Test
  void aPageSnapshotOrFailureArrivingAfterCloseIsDropped() {
    DeliveryStream paging = stream(PAGE, false);
    paging.startAfter(0);
    paging.close();
    page(fetched(1));
    DeliveryStream snapshotting = stream(PAGE, false);
    snapshotting.startWithSnapshot();
    snapshotting.close();
    snapshot("SNAPSHOT@3", 3);
    DeliveryStream failing = stream(PAGE, false);
    failing.startAfter(0);
    failing.close();
    pages.remove().fail("store down");
    DeliveryStream failingSnapshot = stream(PAGE, false);
    failingSnapshot.startWithSnapshot();
    failingSnapshot.close();
    snapshots.remove().fail("store down");
    expect("fetch after=0", "snapshot", "fetch after=0", "snapshot");
  }

  @Test
  void aFailedPageFailsTheSession() {
    DeliveryStream stream = stream(PAGE, false);
    stream.startAfter(0);
    pages.remove().fail("store down");
    expect("fetch after=0", "failed: store down");
  }

  @Test
  void aFailedSnapshotFailsTheSession() {
    DeliveryStream stream = stream(PAGE, false);
    stream.startWithSnapshot();
    snapshots.remove().fail("store down");
    expect("snapshot", "failed: store down");
  }

  // ---- streams and the session's hooks

  @Test
  void aStreamsSyncedNamesTheStreamAndTheSessionHearsOnceThatTheBacklogIsDone() {
    streamId = "c1";
    DeliveryStream stream = stream(PAGE, false);
    stream.startAfter(4);
    page(fetched(5));
    expect("fetch after=4", pageFrame(5), "{\"type\":\"synced\",\"stream\":\"c1\",\"head\":5}");
    assertEquals(1, caughtUpCalls);
    stream.onLive(List.of(live(6)));
    expect(liveFrame(6));
    assertEquals(1, caughtUpCalls, "caught up once, not per live event");
  }

  @Test
  void conversationEventsAreReportedAfterTheyAreWrittenLiveOrFetched() {
    DeliveryStream stream = stream(PAGE, false);
    stream.startAfter(0);
    pages.remove().complete(new Page(List.of(new Fetched(1, "conversation", "{\"seq\":1,\"joined\":1}"),
        fetched(2)), false));
    expect("fetch after=0", "{\"seq\":1,\"joined\":1}", pageFrame(2), synced(2));
    stream.onLive(List.of(new LiveEvent(3, clock.now(), "conversation", "{\"seq\":3,\"joined\":3}", null)));
    expect("{\"seq\":3,\"joined\":3}");
    assertEquals(List.of("{\"seq\":1,\"joined\":1}", "{\"seq\":3,\"joined\":3}"), conversationEvents);
  }

  @Test
  void skipToDropsWhatASnapshotShowedAndWritesWhatFollows() {
    DeliveryStream stream = stream(PAGE, false);
    stream.onLive(List.of(live(3), live(4)));
    stream.skipTo(3);
    stream.startAfter(0);
    page();
    expect(liveFrame(4), "fetch after=4", synced(4));
  }

  // ---- helpers

  private DeliveryStream stream(int pageSize, boolean batched) {
    return new DeliveryStream(source, client, clock, metrics, DEVICE, streamId, pageSize,
        DeliveryStream.MAX_AHEAD_CHARS, batched);
  }

  /** A stream whose backlog ended at this seq. */
  private DeliveryStream caughtUpAt(long seq) {
    DeliveryStream stream = stream(PAGE, false);
    stream.startAfter(seq);
    page();
    expect("fetch after=" + seq, synced(seq));
    return stream;
  }

  private void expect(String... entries) {
    assertEquals(shortened(List.of(entries)), shortened(log));
    log.clear();
  }

  /** Long frames as their start, length and hash, so that a failure stays readable. */
  private static List<String> shortened(List<String> entries) {
    return entries.stream().map(entry -> entry.length() <= 200 ? entry
        : entry.substring(0, 60) + "...[" + entry.length() + " chars, hash " + entry.hashCode() + "]").toList();
  }

  private void drain() {
    aboveHighWater = false;
    List<Runnable> actions = List.copyOf(waitingForDrain);
    waitingForDrain.clear();
    actions.forEach(Runnable::run);
  }

  private void page(Fetched... events) {
    pages.remove().complete(new Page(List.of(events), false));
  }

  private void truncatedPage(Fetched... events) {
    pages.remove().complete(new Page(List.of(events), true));
  }

  private void snapshot(String frame, long head) {
    snapshots.remove().complete(new Snapshot(frame, head));
  }

  private LiveEvent live(long seq) {
    return new LiveEvent(seq, clock.now(), "message", liveFrame(seq), null);
  }

  private LiveEvent sized(long seq, int chars) {
    return new LiveEvent(seq, clock.now(), "message", sizedFrame(seq, chars), null);
  }

  private static String liveFrame(long seq) {
    return "{\"seq\":" + seq + ",\"via\":\"live\"}";
  }

  /** A live frame of exactly this many characters. */
  private static String sizedFrame(long seq, int chars) {
    String opening = "{\"seq\":" + seq + ",\"pad\":\"";
    return opening + "x".repeat(chars - opening.length() - 2) + "\"}";
  }

  private static Fetched fetched(long seq) {
    return new Fetched(seq, "message", pageFrame(seq));
  }

  private static Fetched fetchedSized(long seq, int chars) {
    return new Fetched(seq, "message", sizedFrame(seq, chars));
  }

  private static String pageFrame(long seq) {
    return "{\"seq\":" + seq + ",\"via\":\"page\"}";
  }

  private static Fetched revocation(long seq, String device) {
    return new Fetched(seq, "device", "{\"seq\":" + seq + ",\"kind\":\"device\",\"data\":{\"action\":\"revoked\","
        + "\"device\":{\"device_id\":\"" + device + "\"}}}");
  }

  private static String synced(long head) {
    return "{\"type\":\"synced\",\"head\":" + head + "}";
  }

  private static String batch(Fetched... events) {
    return "{\"type\":\"events\",\"events\":["
        + String.join(",", Arrays.stream(events).map(Fetched::frame).toList()) + "]}";
  }
}
