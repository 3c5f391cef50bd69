package io.lockstep.templatebuild;

import java.nio.file.Files;
import java.nio.file.Path;

/** Finds the repository's root from the module's folder, for tests that read the docs and sources. */
final class RepositoryRoot {

  private RepositoryRoot() {
  }

  static Path find() {
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
