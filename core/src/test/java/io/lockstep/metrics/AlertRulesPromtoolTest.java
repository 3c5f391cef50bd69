package io.lockstep.metrics;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Prometheus's own checker accepts docs/prometheus/alerts.yml, and its unit tests (alerts_test.yml:
 * series in, alerts out) pass. Needs promtool (Debian's prometheus package; .ci/run installs it);
 * without it the class is skipped, saying so in one line. DocumentedMetricsTest checks the same rules
 * against a running node's metrics either way.
 */
class AlertRulesPromtoolTest {

  private static final Path RULES = Path.of("..", "docs", "prometheus");
  private static String promtool;

  @BeforeAll
  static void findPromtool() {
    promtool = List.of(System.getenv().getOrDefault("PATH", "").split(":")).stream()
        .map(dir -> Path.of(dir, "promtool")).filter(Files::isExecutable).map(Path::toString).findFirst().orElse(null);
    if (promtool == null) {
      System.out.println("AlertRulesPromtoolTest skipped: no promtool on the PATH (apt-get install prometheus; .ci/run installs it)");
    }
    assumeTrue(promtool != null, "no promtool on the PATH");
  }

  @Test
  void promtoolAcceptsTheRules() throws Exception {
    String output = run("check", "rules", "alerts.yml");
    assertTrue(output.contains("SUCCESS"), output);
  }

  @Test
  void theRulesFireOnTheirUnitTestsSeries() throws Exception {
    String output = run("test", "rules", "alerts_test.yml");
    assertTrue(output.contains("SUCCESS"), output);
  }

  private static String run(String... arguments) throws IOException, InterruptedException {
    List<String> command = new java.util.ArrayList<>(List.of(promtool));
    command.addAll(List.of(arguments));
    Process process = new ProcessBuilder(command).directory(RULES.toFile()).redirectErrorStream(true).start();
    assertTrue(process.waitFor(60, TimeUnit.SECONDS), "promtool finished within a minute");
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, process.exitValue(), "promtool " + String.join(" ", arguments) + ":\n" + output);
    return output;
  }
}
