package io.tally.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Project rules that the compiler cannot check, enforced by scanning every module's sources: time
 * comes only from {@link Clock}; nothing outside tally-core touches its internals; tests never
 * sleep.
 */
class SourceRulesTest {
  private static final Pattern WALL_CLOCK =
      Pattern.compile(
          "\\b(Instant|LocalDateTime|LocalDate|LocalTime|OffsetDateTime|ZonedDateTime)\\.now\\("
              + "|System\\.(nanoTime|currentTimeMillis)\\("
              + "|java\\.time\\.Clock\\.system"
              + "|new Date\\(\\)");
  private static final Pattern INTERNAL =
      Pattern.compile("io\\.tally\\.core\\.(internal|connectionlog\\.db)\\b");

  /** Names core's internal packages to check what they depend on; it uses none of them. */
  private static final String ARCHITECTURE_TEST = "ArchitectureTest.java";

  private static final Pattern SLEEP =
      Pattern.compile("Thread\\.sleep\\(|TimeUnit\\.\\w+\\.sleep\\(");
  private static final String SELF = "SourceRulesTest.java";

  @Test
  void onlySystemClockReadsTheWallClockOrNanoTime() {
    List<String> offenders = new ArrayList<>();
    for (Path file : javaFiles(root())) {
      String name = file.getFileName().toString();
      if (name.equals("SystemClock.java") || name.equals(SELF)) {
        continue;
      }
      offenders.addAll(matches(file, WALL_CLOCK));
    }
    assertThat(offenders)
        .as("read time through io.tally.core.Clock (ManualClock in tests), not directly")
        .isEmpty();
  }

  @Test
  void noModuleOutsideCoreUsesCoreInternals() {
    List<String> offenders = new ArrayList<>();
    Path core = root().resolve("core");
    for (Path file : javaFiles(root())) {
      String name = file.getFileName().toString();
      if (file.startsWith(core) || name.equals(SELF) || name.equals(ARCHITECTURE_TEST)) {
        continue;
      }
      offenders.addAll(matches(file, INTERNAL));
    }
    assertThat(offenders)
        .as("io.tally.core.internal and io.tally.core.connectionlog.db are not API")
        .isEmpty();
  }

  @Test
  void testsNeverSleep() {
    List<String> offenders = new ArrayList<>();
    for (Path file : javaFiles(root())) {
      if (file.toString().contains("/src/test/") && !file.getFileName().toString().equals(SELF)) {
        offenders.addAll(matches(file, SLEEP));
      }
    }
    assertThat(offenders).as("drive ManualClock or use Await.until instead of sleeping").isEmpty();
  }

  @Test
  void scanFindsTheSources() {
    assertThat(javaFiles(root()))
        .as("the scan must see the code it polices")
        .anyMatch(p -> p.endsWith(Paths.get("core/src/main/java/io/tally/core/SystemClock.java")));
  }

  private static List<String> matches(Path file, Pattern pattern) {
    List<String> found = new ArrayList<>();
    try {
      List<String> lines = Files.readAllLines(file);
      for (int i = 0; i < lines.size(); i++) {
        if (pattern.matcher(lines.get(i)).find()) {
          found.add(root().relativize(file) + ":" + (i + 1) + ": " + lines.get(i).strip());
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return found;
  }

  private static List<Path> javaFiles(Path root) {
    try (Stream<Path> files = Files.walk(root)) {
      return files
          .filter(p -> p.toString().endsWith(".java"))
          .filter(p -> !p.toString().contains("/target/"))
          .filter(p -> p.toString().contains("/src/"))
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Path root() {
    Path dir = Paths.get("").toAbsolutePath();
    for (Path p = dir; p != null; p = p.getParent()) {
      if (Files.isDirectory(p.resolve("core")) && Files.isRegularFile(p.resolve("pom.xml"))) {
        return p;
      }
    }
    throw new IllegalStateException("cannot find the repository root above " + dir);
  }
}
