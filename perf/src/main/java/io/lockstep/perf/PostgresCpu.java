package io.lockstep.perf;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;

/**
 * CPU seconds this machine's PostgreSQL has used so far, from /proc: user + system time of every
 * process named postgres, plus what the postmaster's exited children used (their times are added
 * to its cutime and cstime when it reaps them), so backends that come and go between two readings
 * are counted too. The difference of two readings is PostgreSQL's CPU over that window.
 */
public final class PostgresCpu {

  private static final double TICKS_PER_SECOND = ticksPerSecond();

  private PostgresCpu() {
  }

  public static double seconds() {
    Map<Long, long[]> postgres = new HashMap<>();
    try (Stream<Path> entries = Files.list(Path.of("/proc"))) {
      entries.filter(path -> path.getFileName().toString().chars().allMatch(Character::isDigit)).forEach(path -> {
        try {
          String stat = Files.readString(path.resolve("stat"));
          if (stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')')).equals("postgres")) {
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            postgres.put(Long.parseLong(path.getFileName().toString()), new long[] {Long.parseLong(fields[1]),
                Long.parseLong(fields[11]) + Long.parseLong(fields[12]), Long.parseLong(fields[13]) + Long.parseLong(fields[14])});
          }
        } catch (IOException | RuntimeException gone) {
          // the process ended between the listing and the read
        }
      });
    } catch (IOException e) {
      return Double.NaN;
    }
    long ticks = 0;
    for (long[] process : postgres.values()) {
      boolean postmaster = !postgres.containsKey(process[0]);
      ticks += process[1] + (postmaster ? process[2] : 0);
    }
    return postgres.isEmpty() ? Double.NaN : ticks / TICKS_PER_SECOND;
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
