package io.lockstep.perf;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Samples the server at a fixed interval. From its /metrics: all of the heap in use (young garbage
 * included, so it saws up and down with every collection), the old generation (what survived young
 * collections; it holds garbage too until a mixed collection) and its refusals
 * (lockstep_rate_limited_total by limit); from /proc, the process's resident memory (direct buffers
 * included). Every sample is labelled with the phase of the run it fell in, so that each phase's
 * peaks, and when each limit first refused something, can be read off. A scrape that does not answer
 * delays the next one: gaps in the series are times /metrics did not answer.
 */
public final class ServerSampler implements AutoCloseable {

  private record Sample(double seconds, String phase, double heapMiB, double oldGenMiB, double residentMiB,
                        Map<String, Double> refusals) {}

  private final ServerProcess server;
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(runnable -> {
    Thread thread = new Thread(runnable, "server-sampler");
    thread.setDaemon(true);
    return thread;
  });
  private final List<Sample> samples = new ArrayList<>();
  private final AtomicLong failedScrapes = new AtomicLong();
  private final long start = System.nanoTime();
  private volatile String phase = "setup";

  private ServerSampler(ServerProcess server) {
    this.server = server;
  }

  /** Starts sampling; one scrape at a time, the next one interval after the last ended. */
  public static ServerSampler start(ServerProcess server, Duration interval) {
    ServerSampler sampler = new ServerSampler(server);
    sampler.timer.scheduleWithFixedDelay(sampler::sample, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
    return sampler;
  }

  /** Labels the samples from now on. */
  public void phase(String name) {
    phase = name;
  }

  private void sample() {
    String label = phase;
    try {
      String scrape = server.metrics();
      double heap = PrometheusText.sum(scrape, "jvm_memory_used_bytes", labels -> labels.contains("area=\"heap\""));
      double old = PrometheusText.sum(scrape, "jvm_memory_used_bytes", labels -> labels.contains("area=\"heap\"")
          && (labels.contains("Old Gen") || labels.contains("Tenured Gen")));
      Map<String, Double> refusals = PrometheusText.byLabel(scrape, "lockstep_rate_limited_total", "limit");
      synchronized (samples) {
        samples.add(new Sample((System.nanoTime() - start) / 1e9, label, heap / (1024 * 1024), old / (1024 * 1024),
            server.residentMiB(), refusals));
      }
    } catch (IOException | RuntimeException e) {
      failedScrapes.incrementAndGet();
    }
  }

  /**
   * The peaks of one phase (heap in use, old generation, resident memory, in MiB), how many samples
   * it had and the longest time between two of them.
   */
  public JsonObject peaks(String phaseName) {
    double heap = 0;
    double old = 0;
    double resident = 0;
    double longestGap = 0;
    long count = 0;
    synchronized (samples) {
      Sample previous = null;
      for (Sample sample : samples) {
        if (sample.phase().equals(phaseName)) {
          heap = Math.max(heap, sample.heapMiB());
          old = Math.max(old, sample.oldGenMiB());
          resident = Math.max(resident, sample.residentMiB());
          if (previous != null) {
            longestGap = Math.max(longestGap, sample.seconds() - previous.seconds());
          }
          count++;
        }
        previous = sample;
      }
    }
    return new JsonObject().put("samples", count).put("peak_heap_mib", Latency.round(heap))
        .put("peak_old_gen_mib", Latency.round(old)).put("peak_resident_mib", Latency.round(resident))
        .put("longest_gap_between_samples_s", Latency.round(longestGap));
  }

  /**
   * For each limit that refused anything from the first sample of the phase on: how many refusals,
   * and how many seconds after that sample the count first rose and last changed.
   */
  public JsonObject refusalsSince(String phaseName) {
    JsonObject timeline = new JsonObject();
    synchronized (samples) {
      Sample first = samples.stream().filter(sample -> sample.phase().equals(phaseName)).findFirst().orElse(null);
      if (first == null) {
        return timeline;
      }
      Sample last = samples.get(samples.size() - 1);
      for (String limit : new TreeSet<>(last.refusals().keySet())) {
        double before = first.refusals().getOrDefault(limit, 0.0);
        Double firstRise = null;
        double lastChange = 0;
        double previous = before;
        for (Sample sample : samples.subList(samples.indexOf(first), samples.size())) {
          double value = sample.refusals().getOrDefault(limit, 0.0);
          if (value > previous) {
            firstRise = firstRise == null ? sample.seconds() - first.seconds() : firstRise;
            lastChange = sample.seconds() - first.seconds();
          }
          previous = value;
        }
        if (firstRise != null) {
          timeline.put(limit, new JsonObject().put("refusals", Math.round(previous - before))
              .put("first_after_s", Latency.round(firstRise)).put("last_after_s", Latency.round(lastChange)));
        }
      }
    }
    return timeline;
  }

  /** Every sample as columns: seconds since the start, phase, heap, old generation and resident memory in MiB. */
  public JsonObject series() {
    JsonArray seconds = new JsonArray();
    JsonArray phases = new JsonArray();
    JsonArray heap = new JsonArray();
    JsonArray old = new JsonArray();
    JsonArray resident = new JsonArray();
    synchronized (samples) {
      for (Sample sample : samples) {
        seconds.add(Latency.round(sample.seconds()));
        phases.add(sample.phase());
        heap.add(Latency.round(sample.heapMiB()));
        old.add(Latency.round(sample.oldGenMiB()));
        resident.add(Latency.round(sample.residentMiB()));
      }
    }
    return new JsonObject().put("seconds", seconds).put("phase", phases).put("heap_mib", heap).put("old_gen_mib", old)
        .put("resident_mib", resident).put("failed_scrapes", failedScrapes.get());
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}
