package io.tally.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** What several example tests need: the repository's root, the test class path, a child JVM. */
public final class TestEnvironment {
  private TestEnvironment() {}

  /**
   * @return the repository's root: the nearest directory above holding README.md and examples
   */
  public static Path repositoryRoot() {
    for (Path p = Paths.get("").toAbsolutePath(); p != null; p = p.getParent()) {
      if (Files.isRegularFile(p.resolve("README.md")) && Files.isDirectory(p.resolve("examples"))) {
        return p;
      }
    }
    throw new IllegalStateException("cannot find the repository root");
  }

  /**
   * @return the real test class path: surefire's property (java.class.path is its booter jar)
   */
  public static String testClassPath() {
    String cp = System.getProperty("surefire.test.class.path");
    return cp != null && !cp.isBlank() ? cp : System.getProperty("java.class.path");
  }

  /**
   * Runs {@code java} with {@code arguments} in a child JVM and asserts that it exits 0 within 120
   * s.
   *
   * @param dir where to keep the child's output
   * @param arguments the arguments after {@code java}
   * @return what the child printed (standard output and error)
   * @throws Exception if the child cannot be started or waited for
   */
  public static String runJava(Path dir, List<String> arguments) throws Exception {
    List<String> command = new ArrayList<>();
    command.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(arguments);
    Path log = Files.createTempFile(dir, "child", ".log");
    Process child =
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    boolean ended = child.waitFor(120, TimeUnit.SECONDS);
    if (!ended) {
      child.destroyForcibly();
    }
    String output = readQuietly(log);
    assertThat(ended).as("child JVM ended within 120 s; output:%n%s", output).isTrue();
    assertThat(child.exitValue()).as("child exit code; output:%n%s", output).isZero();
    return output;
  }

  private static String readQuietly(Path log) throws IOException {
    return Files.readString(log, StandardCharsets.UTF_8);
  }
}
