package io.lockstep.templatebuild;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.MalformedInputException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What a reader outside this machine needs from the repository: no paths that exist on one machine
 * only, and the Lockstep version an outside plugin builds against (the BOM's literal
 * {@code lockstep.version}, the template's parent) equal to the version this build makes.
 */
class RepositoryHygieneTest {

  /** Home and work folders of a particular machine: /home/x, /Users/x, /root/..., /work/..., C:\Users. */
  private static final Pattern MACHINE_PATH = Pattern.compile("(?<![\\w.~-])(/home/[a-z]|/Users/[A-Za-z]|/root/|/work/|C:\\\\Users)");
  private static final Set<String> SKIPPED_FOLDERS = Set.of(".git", "target", "node_modules", ".lockstep", "dist");
  private static final Set<String> TEXT = Set.of("md", "java", "xml", "yaml", "yml", "ts", "js", "json", "sh", "html",
      "css", "txt", "properties", "conf", "Dockerfile");

  @Test
  void noFileNamesAPathOfOneMachine() throws IOException {
    Path root = RepositoryRoot.find();
    List<String> found = new ArrayList<>();
    try (Stream<Path> files = Files.walk(root)) {
      for (Path file : files.filter(Files::isRegularFile).filter(RepositoryHygieneTest::isSourceText).toList()) {
        if (SKIPPED_FOLDERS.stream().anyMatch(skipped -> root.relativize(file).toString().contains(skipped + "/"))
            || file.endsWith("RepositoryHygieneTest.java")) {   // its patterns and examples
          continue;
        }
        List<String> lines = lines(file);
        for (int i = 0; i < lines.size(); i++) {
          Matcher path = MACHINE_PATH.matcher(lines.get(i));
          if (path.find()) {
            found.add(root.relativize(file) + ":" + (i + 1) + ": " + lines.get(i).strip());
          }
        }
      }
    }
    assertEquals(List.of(), found);
  }

  @Test
  void theMachinePathCheckFindsWhatItLooksFor() {
    assertTrue(MACHINE_PATH.matcher("cd /home/ana/lockstep && mvn verify").find());
    assertTrue(MACHINE_PATH.matcher("see /work/main/core").find());
    assertTrue(!MACHINE_PATH.matcher("ws://localhost:8080/v1/ws and /srv/lockstep/plugins-enabled").find());
  }

  @Test
  void outsideProjectsBuildAgainstThisVersion() throws IOException {
    Path root = RepositoryRoot.find();
    String version = System.getProperty("lockstep.version.built");
    assertTrue(Files.readString(root.resolve("plugins/bom/pom.xml"))
        .contains("<lockstep.version>" + version + "</lockstep.version>"), "plugins/bom/pom.xml's lockstep.version is " + version);
    assertTrue(Files.readString(root.resolve("plugins/template/pom.xml"))
        .contains("<artifactId>lockstep-plugin-parent</artifactId>\n    <version>" + version + "</version>"),
        "plugins/template/pom.xml's parent is lockstep-plugin-parent " + version);
  }

  private static boolean isSourceText(Path file) {
    String name = file.getFileName().toString();
    return TEXT.contains(name.substring(name.lastIndexOf('.') + 1)) || TEXT.contains(name);
  }

  private static List<String> lines(Path file) throws IOException {
    try {
      return Files.readAllLines(file);
    } catch (MalformedInputException binary) {
      return List.of();
    }
  }
}
