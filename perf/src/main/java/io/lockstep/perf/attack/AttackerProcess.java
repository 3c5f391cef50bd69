package io.lockstep.perf.attack;

import io.lockstep.perf.ServerProcess;
import io.vertx.core.json.JsonObject;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The load generator's handle on the attackers' JVM ({@link Attackers}): starts it with a plan, waits
 * until it attacks, and on stop collects every attacker's fate and the CPU time the attackers used.
 * The attackers run at the lowest CPU priority (nice 19): real attackers use their own machines, so
 * what is measured is what handling them costs the server, not their own work on its cores.
 *
 * <p>The plan: {@code port}; {@code attackers} (names from {@link Attackers#ALL}); {@code bomb_mib};
 * {@code non_readers} ([{user_id, device_id, cursor}]) and {@code sync_burst}; {@code flood}
 * ({user_id, conversation_id, body_chars}); {@code looper_user}, {@code looper_loops}; {@code guesser_addresses},
 * {@code guesses_per_s}, {@code admin_user}, {@code admin_password}.
 */
public final class AttackerProcess implements AutoCloseable {

  private final Process process;
  private final Path errors;
  private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();

  private AttackerProcess(Process process, Path errors) {
    this.process = process;
    this.errors = errors;
    Thread reader = new Thread(() -> {
      try (BufferedReader output = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = output.readLine()) != null) {
          lines.add(line);
        }
      } catch (IOException ignored) {
        // the process ended
      }
    }, "attackers-output");
    reader.setDaemon(true);
    reader.start();
  }

  /** Starts the attackers and returns once every one of them has started. */
  public static AttackerProcess start(JsonObject plan) throws Exception {
    Path errors = Files.createTempFile("lockstep-attackers", ".log");
    Process process = new ProcessBuilder("nice", "-n", "19", System.getProperty("java.home") + "/bin/java", "-Xmx512m", "-cp",
        System.getProperty("java.class.path"), Attackers.class.getName(), plan.encode())
        .redirectError(errors.toFile()).start();
    AttackerProcess attackers = new AttackerProcess(process, errors);
    attackers.await("attacking", 120);
    return attackers;
  }

  /** Stops every attacker; answers their fates and the attackers' CPU seconds. */
  public JsonObject stop() throws Exception {
    process.getOutputStream().write("stop\n".getBytes(StandardCharsets.UTF_8));
    process.getOutputStream().flush();
    double cpu = cpuSeconds();
    JsonObject fates = new JsonObject(await("fates ", 120).substring("fates ".length()));
    process.waitFor(30, TimeUnit.SECONDS);
    return fates.put("attackers_cpu_seconds", cpu);
  }

  /** CPU seconds the attackers' JVM has used so far. */
  public double cpuSeconds() {
    return ServerProcess.cpuSecondsOf(process.pid());
  }

  private String await(String prefix, int seconds) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (System.nanoTime() < deadline) {
      String line = lines.poll(1, TimeUnit.SECONDS);
      if (line != null && line.startsWith(prefix)) {
        return line;
      }
      if (line == null && !process.isAlive() && lines.isEmpty()) {
        break;
      }
    }
    List<String> tail = Files.readAllLines(errors);
    throw new IllegalStateException("the attackers' process did not report '" + prefix.trim() + "'; its errors ("
        + errors + "): " + String.join("\n", tail.subList(Math.max(0, tail.size() - 20), tail.size())));
  }

  @Override
  public void close() {
    if (process.isAlive()) {
      process.destroyForcibly();
    }
  }
}
