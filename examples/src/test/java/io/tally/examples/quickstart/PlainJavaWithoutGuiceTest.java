package io.tally.examples.quickstart;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The plain-Java quickstart runs for an application that excludes Guice from {@code tally-core}
 * (the README's {@code <exclusions>}): in a child JVM whose class path is this test's without
 * Guice and what only Guice brings (Guava, jakarta.inject, aopalliance).
 */
class PlainJavaWithoutGuiceTest {
  /** Path fragments of the jars the README's exclusion leaves out. */
  static final List<String> EXCLUDED =
      List.of("/com/google/inject/", "/com/google/guava/", "/jakarta/inject/", "/aopalliance/");

  @Test
  void plainJavaQuickstartRunsWithoutGuiceOnTheClassPath(@TempDir Path dir) throws Exception {
    List<String> kept = new ArrayList<>();
    List<String> dropped = new ArrayList<>();
    for (String entry : testClassPath().split(File.pathSeparator)) {
      String unix = entry.replace(File.separatorChar, '/');
      (EXCLUDED.stream().anyMatch(unix::contains) ? dropped : kept).add(entry);
    }
    assertThat(dropped).as("Guice jars found on the test class path").isNotEmpty();
    Path out = dir.resolve("child.log");
    Process child =
        new ProcessBuilder(
                Paths.get(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                String.join(File.pathSeparator, kept),
                PlainJavaWithoutGuiceMain.class.getName())
            .redirectErrorStream(true)
            .redirectOutput(out.toFile())
            .start();
    boolean ended = child.waitFor(120, TimeUnit.SECONDS);
    if (!ended) {
      child.destroyForcibly();
    }
    String log = Files.readString(out, StandardCharsets.UTF_8);
    assertThat(ended).as("child JVM ended within 120 s; output:%n%s", log).isTrue();
    assertThat(child.exitValue()).as("child exit code; output:%n%s", log).isZero();
    assertThat(log).contains("plain-java quickstart ran without Guice").doesNotContain("NoClassDefFoundError");
  }

  /** The real test class path: surefire's own property, since java.class.path is its booter jar. */
  static String testClassPath() {
    String cp = System.getProperty("surefire.test.class.path");
    return cp != null && !cp.isBlank() ? cp : System.getProperty("java.class.path");
  }
}
