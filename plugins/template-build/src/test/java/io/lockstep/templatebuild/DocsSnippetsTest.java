package io.lockstep.templatebuild;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * docs/plugins.md shows compiled code: every block marked {@code <!-- snippet: path#name -->} is the
 * region between {@code snippet:begin name} and {@code snippet:end} of that file (Java comments
 * {@code // snippet:...} or XML comments {@code <!-- snippet:... -->}; nested markers dropped,
 * indentation removed). The sources are plugins/template, which this module builds as an author
 * would, and plugins/example-plugin, so the documented code is the code CI builds and tests.
 */
class DocsSnippetsTest {

  private static final Pattern SNIPPET = Pattern.compile("<!-- snippet: (\\S+)#(\\S+) -->\\n```(?:java|xml)\\n(.*?)\\n```",
      Pattern.DOTALL);
  private static final Pattern BEGIN = Pattern.compile("(?://|<!--) snippet:begin (\\S+)(?: -->)?");
  private static final Pattern END = Pattern.compile("(?://|<!--) snippet:end(?: -->)?");

  @Test
  void everySnippetInPluginsMdIsItsSource() throws IOException {
    Path root = RepositoryRoot.find();
    Matcher snippets = SNIPPET.matcher(Files.readString(root.resolve("docs/plugins.md")));
    Set<String> checked = new TreeSet<>();
    while (snippets.find()) {
      String expected = region(Files.readAllLines(root.resolve(snippets.group(1))), snippets.group(2));
      assertEquals(expected, snippets.group(3), "docs/plugins.md snippet " + snippets.group(1) + "#" + snippets.group(2));
      checked.add(Path.of(snippets.group(1)).getFileName() + "#" + snippets.group(2));
    }
    assertEquals(Set.of("pom.xml#pom", "MyPlugin.java#plugin", "RelayConfig.java#config", "FieldMerge.java#policy",
        "RelayProvider.java#provider", "MyPluginTest.java#test", "MessageCounter.java#extension"), checked,
        "every snippet is marked, so none can drift unnoticed");
  }

  @Test
  void aRegionIsCutWithoutItsNestedMarkersOrIndentation() {
    List<String> source = List.of("class A {", "  // snippet:begin outer", "  void f() {", "    // snippet:begin inner",
        "    g();", "    // snippet:end", "  }", "  // snippet:end", "}");
    assertEquals("void f() {\n  g();\n}", region(source, "outer"));
    assertEquals("g();", region(source, "inner"));
    assertFalse(region(source, "inner").contains("snippet"));
    List<String> pom = List.of("<project>", "  <!-- snippet:begin deps -->", "  <dependencies/>", "  <!-- snippet:end -->",
        "</project>");
    assertEquals("<dependencies/>", region(pom, "deps"));
  }

  static String region(List<String> source, String name) {
    List<String> lines = new ArrayList<>();
    int depth = -1;
    for (String line : source) {
      String marker = line.strip();
      Matcher begin = BEGIN.matcher(marker);
      if (depth < 0) {
        depth = begin.matches() && begin.group(1).equals(name) ? 0 : -1;
      } else if (begin.matches()) {
        depth++;
      } else if (END.matcher(marker).matches()) {
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
}
