package io.tally.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Keeps the README's code honest: every code block preceded by {@code <!-- snippet: FILE#TAG -->}
 * must equal the lines between {@code tag::TAG[]} and {@code end::TAG[]} in FILE, which the build
 * compiles (and the tests run).
 */
class ReadmeSnippetsTest {
  private static final Pattern SNIPPET =
      Pattern.compile("<!-- snippet: (\\S+)#(\\S+) -->\\s*```\\w*\\n(.*?)```", Pattern.DOTALL);

  @Test
  void everyReadmeSnippetMatchesCompiledCode() throws IOException {
    Path root = root();
    String readme = Files.readString(root.resolve("README.md"));
    Matcher m = SNIPPET.matcher(readme);
    List<String> checked = new ArrayList<>();
    while (m.find()) {
      String file = m.group(1);
      String tag = m.group(2);
      String block = m.group(3);
      assertThat(block)
          .as("README snippet %s#%s", file, tag)
          .isEqualTo(region(root.resolve(file), tag));
      checked.add(file + "#" + tag);
    }
    assertThat(checked)
        .as("snippets found in README.md")
        .contains(
            "examples/src/main/java/io/tally/examples/quickstart/PlainJavaQuickstart.java#plain-java",
            "examples/src/main/java/io/tally/examples/quickstart/GuiceQuickstart.java#guice",
            "examples/src/main/java/io/tally/examples/quickstart/MetricsQuickstart.java#metrics",
            "examples/src/test/java/io/tally/examples/testing/TestkitExampleTest.java#testkit",
            "examples/src/test/java/io/tally/examples/testing/TallyExtensionTest.java#tally-extension",
            "examples/src/test/java/io/tally/examples/testing/MyStoreContractTest.java#contract",
            "examples/src/main/java/io/tally/examples/jsonl/JsonLinesBackend.java#backend",
            "examples/src/main/java/io/tally/examples/jsonl/JsonLinesBackendProvider.java#provider");
  }

  /** The lines between the tag's markers, with their common indentation removed. */
  static String region(Path file, String tag) throws IOException {
    List<String> lines = Files.readAllLines(file);
    int start = -1;
    int end = -1;
    for (int i = 0; i < lines.size(); i++) {
      if (lines.get(i).contains("tag::" + tag + "[]")) {
        start = i + 1;
      } else if (lines.get(i).contains("end::" + tag + "[]")) {
        end = i;
      }
    }
    assertThat(start).as("tag %s in %s", tag, file).isPositive();
    assertThat(end).as("end of tag %s in %s", tag, file).isGreaterThan(start);
    List<String> region = lines.subList(start, end);
    int indent = Integer.MAX_VALUE;
    for (String line : region) {
      if (!line.isBlank()) {
        indent = Math.min(indent, line.length() - line.stripLeading().length());
      }
    }
    StringBuilder out = new StringBuilder();
    for (String line : region) {
      out.append(line.isBlank() ? "" : line.substring(indent)).append('\n');
    }
    return out.toString();
  }

  private static Path root() {
    return TestEnvironment.repositoryRoot();
  }
}
