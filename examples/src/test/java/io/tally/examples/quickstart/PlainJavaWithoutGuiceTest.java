package io.tally.examples.quickstart;

import static org.assertj.core.api.Assertions.assertThat;

import io.tally.examples.TestEnvironment;
import java.io.File;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The plain-Java quickstart runs for an application that excludes Guice from {@code tally-core}
 * (the README's {@code <exclusions>}): in a child JVM whose class path is this test's without Guice
 * and what only Guice brings (Guava, jakarta.inject, aopalliance).
 */
class PlainJavaWithoutGuiceTest {
  /** Path fragments of the jars the README's exclusion leaves out. */
  static final List<String> EXCLUDED =
      List.of("/com/google/inject/", "/com/google/guava/", "/jakarta/inject/", "/aopalliance/");

  @Test
  void plainJavaQuickstartRunsWithoutGuiceOnTheClassPath(@TempDir Path dir) throws Exception {
    List<String> kept = new ArrayList<>();
    List<String> dropped = new ArrayList<>();
    for (String entry : TestEnvironment.testClassPath().split(File.pathSeparator)) {
      String unix = entry.replace(File.separatorChar, '/');
      (EXCLUDED.stream().anyMatch(unix::contains) ? dropped : kept).add(entry);
    }
    assertThat(dropped).as("Guice jars found on the test class path").isNotEmpty();
    String log =
        TestEnvironment.runJava(
            dir,
            List.of(
                "-cp",
                String.join(File.pathSeparator, kept),
                PlainJavaWithoutGuiceMain.class.getName()));
    assertThat(log)
        .contains("plain-java quickstart ran without Guice")
        .doesNotContain("NoClassDefFoundError");
  }
}
