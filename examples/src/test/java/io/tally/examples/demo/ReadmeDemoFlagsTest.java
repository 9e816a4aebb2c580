package io.tally.examples.demo;

import static org.assertj.core.api.Assertions.assertThat;

import io.tally.examples.TestEnvironment;
import java.nio.file.Files;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The README's demo section names every flag the demo's usage text lists. */
class ReadmeDemoFlagsTest {
  private static final Pattern FLAG = Pattern.compile("--[a-z][a-z-]*");

  @Test
  void readmeListsEveryDemoFlag() throws Exception {
    String readme = Files.readString(TestEnvironment.repositoryRoot().resolve("README.md"));
    int start = readme.indexOf("## What the demo shows");
    int end = readme.indexOf("\n## ", start + 1);
    assertThat(start).as("README section 'What the demo shows'").isNotNegative();
    Set<String> inReadme = flags(readme.substring(start, end));

    assertThat(inReadme).containsAll(flags(DemoOptions.USAGE));
  }

  private static Set<String> flags(String text) {
    Set<String> out = new TreeSet<>();
    Matcher m = FLAG.matcher(text);
    while (m.find()) {
      out.add(m.group());
    }
    return out;
  }
}
