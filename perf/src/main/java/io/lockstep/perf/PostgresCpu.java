package io.lockstep.perf;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * The CPU time the PostgreSQL server of the database under test uses over a window, from /proc:
 * user + system time of every child of its postmaster (backends, background processes), and of the
 * postmaster itself. Every process is sampled every 100 ms while the window is open and counted up to
 * its last sample, so backends that connect and leave within the window are counted (all but their
 * last 100 ms), without relying on the postmaster's reaped-children times (which were seen not to grow
 * by what its exited backends had used). Other PostgreSQL servers of the machine are left out: the
 * postmaster is found as the parent of a backend of the database.
 */
public final class PostgresCpu {

  private static final double TICKS_PER_SECOND = ticksPerSecond();

  private final long postmaster;
  /** Per process: its ticks when first seen in the window (0 if it started in it) and at its last sample. */
  private final Map<Long, long[]> ticks = new ConcurrentHashMap<>();
  private final Thread sampler;
  private volatile boolean open = true;

  private PostgresCpu(long postmaster) {
    this.postmaster = postmaster;
    sample(true);
    this.sampler = new Thread(() -> {
      while (open) {
        ChatScenario.sleepUntil(System.nanoTime() + 100_000_000L);
        sample(false);
      }
    }, "postgres-cpu");
    sampler.setDaemon(true);
    sampler.start();
  }

  /** Opens a window on the PostgreSQL serving the server's database; NaN where it is not on this machine. */
  public static PostgresCpu start(ServerProcess server) {
    try (Connection db = DriverManager.getConnection(server.jdbcUrl(), server.pgUser(), "");
         Statement statement = db.createStatement();
         ResultSet backend = statement.executeQuery("SELECT pg_backend_pid()")) {
      backend.next();
      long[] stat = stat(backend.getLong(1));
      return new PostgresCpu(stat == null ? -1 : stat[0]);
    } catch (SQLException e) {
      return new PostgresCpu(-1);
    }
  }

  /** Closes the window: PostgreSQL's CPU seconds in it. */
  public double stop() {
    open = false;
    try {
      sampler.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    sample(false);
    if (ticks.isEmpty()) {
      return Double.NaN;
    }
    return ticks.values().stream().mapToLong(seen -> seen[1] - seen[0]).sum() / TICKS_PER_SECOND;
  }

  private void sample(boolean first) {
    long[] main = stat(postmaster);
    if (main == null) {
      return;
    }
    record(postmaster, main[1], first);
    try (Stream<Path> entries = Files.list(Path.of("/proc"))) {
      entries.filter(path -> path.getFileName().toString().chars().allMatch(Character::isDigit)).forEach(path -> {
        long pid = Long.parseLong(path.getFileName().toString());
        long[] child = stat(pid);
        if (child != null && child[0] == postmaster) {
          record(pid, child[1], first);
        }
      });
    } catch (IOException ignored) {
      // /proc unreadable: the window reports what it has
    }
  }

  private void record(long pid, long used, boolean first) {
    ticks.compute(pid, (key, seen) -> seen == null ? new long[] {first ? used : 0, used} : new long[] {seen[0], Math.max(seen[1], used)});
  }

  /** A process's parent, own user + system ticks, and reaped children's ticks; null once it is gone. */
  private static long[] stat(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
      String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return new long[] {Long.parseLong(fields[1]), Long.parseLong(fields[11]) + Long.parseLong(fields[12]),
          Long.parseLong(fields[13]) + Long.parseLong(fields[14])};
    } catch (IOException | RuntimeException gone) {
      return null;
    }
  }

  /** The kernel's clock ticks per second (getconf CLK_TCK), 100 if it cannot be asked. */
  private static double ticksPerSecond() {
    try {
      Process getconf = new ProcessBuilder("getconf", "CLK_TCK").redirectErrorStream(true).start();
      String answer = new String(getconf.getInputStream().readAllBytes()).trim();
      return getconf.waitFor() == 0 ? Double.parseDouble(answer) : 100;
    } catch (IOException | RuntimeException e) {
      return 100;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 100;
    }
  }
}
