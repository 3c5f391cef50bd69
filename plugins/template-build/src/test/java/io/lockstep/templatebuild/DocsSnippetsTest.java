package io.lockstep.templatebuild;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * docs/plugins.md shows compiled code: every Java block marked {@code <!-- snippet: path#name -->} is
 * the region {@code // snippet:begin name} … {@code // snippet:end} of that source file (nested
 * markers dropped, indentation removed), so the documented plugin is the one CI builds.
 */
class DocsSnippetsTest {

  private static final Pattern SNIPPET = Pattern.compile("<!-- snippet: (\\S+)#(\\S+) -->\\n```java\\n(.*?)\\n```",
      Pattern.DOTALL);

  @Test
  void everySnippetInPluginsMdIsItsCompiledSource() throws IOException {
    Path root = repositoryRoot();
    Matcher snippets = SNIPPET.matcher(Files.readString(root.resolve("docs/plugins.md")));
    int checked = 0;
    while (snippets.find()) {
      String expected = region(Files.readAllLines(root.resolve(snippets.group(1))), snippets.group(2));
      assertEquals(expected, snippets.group(3), "docs/plugins.md snippet " + snippets.group(1) + "#" + snippets.group(2));
      checked++;
    }
    assertEquals(2, checked, "the SPI and configuration snippets are both marked");
  }

  @Test
  void aRegionIsCutWithoutItsNestedMarkersOrIndentation() {
    List<String> source = List.of("class A {", "  // snippet:begin outer", "  void f() {", "    // snippet:begin inner",
        "    g();", "    // snippet:end", "  }", "  // snippet:end", "}");
    assertEquals("void f() {\n  g();\n}", region(source, "outer"));
    assertEquals("g();", region(source, "inner"));
    assertFalse(region(source, "inner").contains("snippet"));
  }

  static String region(List<String> source, String name) {
    List<String> lines = new ArrayList<>();
    int depth = -1;
    for (String line : source) {
      String marker = line.strip();
      if (depth < 0) {
        depth = marker.equals("// snippet:begin " + name) ? 0 : -1;
      } else if (marker.startsWith("// snippet:begin ")) {
        depth++;
      } else if (marker.equals("// snippet:end")) {
        if (depth-- == 0) {
          break;
        }
      } else {
        lines.add(line);
      }
    }
    if (lines.isEmpty()) {
      throw new AssertionError("no region " + name);
    }
    int indent = lines.stream().filter(line -> !line.isBlank())
        .mapToInt(line -> line.length() - line.stripLeading().length()).min().orElse(0);
    return String.join("\n", lines.stream().map(line -> line.isBlank() ? "" : line.substring(indent)).toList());
  }

  private static Path repositoryRoot() {
    Path dir = Path.of("").toAbsolutePath();
    while (dir != null && !Files.exists(dir.resolve("docs/plugins.md"))) {
      dir = dir.getParent();
    }
    if (dir == null) {
      throw new AssertionError("docs/plugins.md not found above " + Path.of("").toAbsolutePath());
    }
    return dir;
  }
}
