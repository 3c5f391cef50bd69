package io.lockstep.templatebuild;

import io.lockstep.testkit.TestServices;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * The server as an operator runs it: {@code java -jar lockstep.jar} in a process of its own, in dev
 * mode on a free port of 127.0.0.1, configured only through environment variables and a YAML file, on
 * a fresh database and Redis prefix of the test services. Its output goes to a log file whose tail
 * explains a failure to start.
 */
final class ServerJarProcess implements AutoCloseable {

  static final String API_KEY = "template-build-api-key";

  private final Process process;
  private final Path log;
  private final String database;
  private final int port;

  private ServerJarProcess(Process process, Path log, String database, int port) {
    this.process = process;
    this.log = log;
    this.database = database;
    this.port = port;
  }

  /** Starts the jar with these environment variables on top of the ones that place it; waits until it is up. */
  static ServerJarProcess start(Path jar, Path workDir, Map<String, String> env) throws IOException, InterruptedException {
    String database = TestServices.createDatabase();
    int port = freePort();
    Map<String, String> variables = new TreeMap<>(Map.of(
        "LOCKSTEP_MODE", "dev",
        "LOCKSTEP_HTTP_HOST", "127.0.0.1",
        "LOCKSTEP_HTTP_PORT", String.valueOf(port),
        "LOCKSTEP_PG_URL", database,
        "LOCKSTEP_REDIS_URL", TestServices.redisUrl(),
        "LOCKSTEP_REDIS_KEY_PREFIX", TestServices.newRedisPrefix(),
        "LOCKSTEP_API_KEY", API_KEY,
        "LOCKSTEP_JWT_SECRET", "template-build-secret-template-build-0123456789"));
    variables.putAll(env);
    Files.createDirectories(workDir);
    Path log = workDir.resolve("server.log");
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx512m", "-jar", jar.toAbsolutePath().toString()));
    ProcessBuilder builder = new ProcessBuilder(command).directory(workDir.toFile())
        .redirectErrorStream(true).redirectOutput(log.toFile());
    builder.environment().putAll(variables);
    ServerJarProcess server = new ServerJarProcess(builder.start(), log, database, port);
    server.awaitUp();
    return server;
  }

  int port() {
    return port;
  }

  /** The server's output so far. */
  String output() {
    try {
      return Files.readString(log);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void awaitUp() throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
    while (!output().contains(" is up")) {
      if (!process.isAlive() || System.nanoTime() > deadline) {
        close();
        throw new AssertionError("the server jar did not start" + (process.isAlive() ? " within 90 s" : "")
            + "; its output:\n" + output());
      }
      Thread.sleep(100);
    }
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(20, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    TestServices.dropDatabase(database);
  }

  private static int freePort() {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
