package io.lockstep.perf.attack;

import io.lockstep.client.raw.Frame;
import io.lockstep.client.raw.RawOptions;
import io.lockstep.client.raw.RawWebSocket;
import io.lockstep.perf.Latency;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.UncheckedIOException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Sockets that never read: each greets as its device (hello with its cursor, so nothing is owed),
 * then asks for the first page of its log again and again (`sync` since 0, up to 1,000 events: about
 * 1 MiB a page over a log of 60 KB messages) and never reads a reply; a 4 KiB receive buffer keeps
 * the replies in the server. It writes a burst of requests, then one every 100 ms (a write blocks
 * once the server stops reading it). When the server closes it (a write fails), it reconnects and
 * does it again, until stopped. When stopped it reads, at last, what each open socket was sent, up to
 * a close frame: the close code, and how much the server had queued for it before that frame. The
 * server should stop reading it and close it with 4008 slow_consumer, holding at most its outbound
 * limit for it meanwhile.
 */
final class NonReaders implements Attacker {

  private static final int RECEIVE_BUFFER = 4096;
  private static final long TRICKLE_MS = 100;

  /** A device of the attack: its user and token, the device id it greets as and its cursor. */
  record Identity(String userId, String token, String deviceId, long cursor) {}

  private final String address;
  private final int port;
  private final int burst;
  private final List<Identity> identities;
  private final List<Thread> threads = new ArrayList<>();
  private final List<RawWebSocket> open = new ArrayList<>();
  private final Tally outcomes = new Tally();
  private final Tally atStop = new Tally();
  private final List<Long> sentBeforeCloseKiB = new ArrayList<>();
  private final CountDownLatch drained = new CountDownLatch(1);
  private final AtomicLong connections = new AtomicLong();
  private final AtomicLong syncsWritten = new AtomicLong();
  private final Latency closedAfterGreeting = new Latency();
  private volatile boolean stopped;

  NonReaders(String address, int port, int burst, List<Identity> identities) {
    this.address = address;
    this.port = port;
    this.burst = burst;
    this.identities = identities;
  }

  @Override
  public String name() {
    return "non_readers";
  }

  @Override
  public void start() {
    for (Identity identity : identities) {
      Thread thread = new Thread(() -> run(identity), "non-reader-" + identity.userId());
      thread.setDaemon(true);
      threads.add(thread);
      thread.start();
    }
  }

  private void run(Identity identity) {
    while (!stopped) {
      connections.incrementAndGet();
      try (RawWebSocket socket = RawWebSocket.connect(RawOptions.to(port).withLocalAddress(address)
          .withReceiveBuffer(RECEIVE_BUFFER))) {
        if (!socket.upgraded()) {
          outcomes.add("http_" + socket.status());
          pause(1000);
          continue;
        }
        String refused = greet(socket, identity);
        if (refused != null) {
          outcomes.add(refused);
          pause(1000);
          continue;
        }
        synchronized (open) {
          open.add(socket);
        }
        if (requestWithoutReading(socket)) {
          outcomes.add("closed_by_server");
          synchronized (open) {
            open.remove(socket);
          }
        } else {
          drained.await();
        }
      } catch (UncheckedIOException e) {
        outcomes.add("upgrade_failed");
        pause(1000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  /** Sends hello and reads until synced (10 s at most); null when greeted, else why not. */
  private static String greet(RawWebSocket socket, Identity identity) {
    try {
      socket.sendText(new JsonObject().put("type", "hello").put("token", identity.token())
          .put("device_id", identity.deviceId()).put("cursor", identity.cursor()).encode());
      return awaitSynced(socket);
    } catch (UncheckedIOException e) {
      return e.getCause() instanceof SocketTimeoutException ? "hello_unanswered_within_10s" : "closed_during_hello";
    }
  }

  private static String awaitSynced(RawWebSocket socket) {
    while (true) {
      Frame frame = socket.readFrame();
      if (frame == null) {
        return "closed_during_hello";
      }
      if (frame.isClose()) {
        return "closed_before_synced_" + frame.closeCode();
      }
      JsonObject message = new JsonObject(frame.text());
      if ("synced".equals(message.getString("type"))) {
        return null;
      }
      if ("error".equals(message.getString("type"))) {
        return "hello_refused_" + message.getString("code");
      }
    }
  }

  /**
   * Writes sync requests and reads nothing, until a write fails (true: the server closed the
   * connection) or the attack stops (false; a write blocked at that moment fails when stop closes it).
   */
  private boolean requestWithoutReading(RawWebSocket socket) {
    long greeted = System.nanoTime();
    long id = 0;
    try {
      while (!stopped) {
        socket.sendText(new JsonObject().put("type", "sync").put("id", ++id).put("since", 0).put("limit", 1000).encode());
        syncsWritten.incrementAndGet();
        if (id > burst) {
          pause(TRICKLE_MS);
        }
      }
      return false;
    } catch (UncheckedIOException e) {
      if (stopped) {
        return false;
      }
      closedAfterGreeting.recordNanos(System.nanoTime() - greeted);
      return true;
    }
  }

  /** Reads what the server sent the socket until a close frame, the end, or 5 s of silence; answers what it was. */
  private String drain(RawWebSocket socket) {
    long bytes = 0;
    try {
      while (true) {
        Frame frame = socket.readFrame(Duration.ofSeconds(5));
        if (frame == null) {
          return "ended_without_close_frame";
        }
        if (frame.isClose()) {
          sentBeforeCloseKiB.add(bytes / 1024);
          return "close_frame_" + frame.closeCode();
        }
        bytes += frame.payload().length;
      }
    } catch (UncheckedIOException e) {
      return e.getCause() instanceof SocketTimeoutException ? "open_without_close_frame" : "ended_without_close_frame";
    }
  }

  private static void pause(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void stop() {
    stopped = true;
    synchronized (open) {
      for (RawWebSocket socket : open) {
        atStop.add(drain(socket));
        socket.close();
      }
    }
    drained.countDown();
    for (Thread thread : threads) {
      try {
        thread.join(15_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  @Override
  public JsonObject fate() {
    return new JsonObject()
        .put("source_address", address)
        .put("sockets", identities.size())
        .put("users", new JsonArray(identities.stream().map(Identity::userId).toList()))
        .put("connections", connections.get())
        .put("sync_requests_written", syncsWritten.get())
        .put("outcomes", outcomes.toJson())
        .put("closed_after_greeting", closedAfterGreeting.toJson())
        .put("open_at_stop_then_read", atStop.toJson())
        .put("kib_sent_before_close_frame", new JsonArray(List.copyOf(sentBeforeCloseKiB)));
  }
}
