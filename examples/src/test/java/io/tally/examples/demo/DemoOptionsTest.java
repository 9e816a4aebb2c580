package io.tally.examples.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DemoOptionsTest {

  @Test
  void defaultsMatchTheReadme() throws Exception {
    DemoOptions o = DemoOptions.parse();
    assertThat(o.replicas).isEqualTo(3);
    assertThat(o.workspaces).isEqualTo(2000);
    assertThat(o.users).isEqualTo(500);
    assertThat(o.rate).isEqualTo(20_000);
    assertThat(o.duration).isEqualTo(Duration.ofSeconds(15));
    assertThat(o.period).isEqualTo(Duration.ofSeconds(5));
    assertThat(o.backends).containsExactly("db", "jsonl");
    assertThat(o.jdbcUrl).isNull();
    assertThat(o.dbOutage).isZero();
  }

  @Test
  void parsesEveryFlagInBothSpellings() throws Exception {
    DemoOptions o =
        DemoOptions.parse(
            "--replicas=2",
            "--workspaces",
            "10",
            "--users",
            "5",
            "--rate",
            "100",
            "--duration",
            "PT3S",
            "--period",
            "2s",
            "--backends",
            "db,slog",
            "--db-outage",
            "500ms",
            "--seed",
            "7",
            "--jdbc-url",
            "jdbc:h2:mem:x",
            "--quiet");
    assertThat(o.replicas).isEqualTo(2);
    assertThat(o.workspaces).isEqualTo(10);
    assertThat(o.users).isEqualTo(5);
    assertThat(o.rate).isEqualTo(100);
    assertThat(o.duration).isEqualTo(Duration.ofSeconds(3));
    assertThat(o.period).isEqualTo(Duration.ofSeconds(2));
    assertThat(o.backends).isEqualTo(List.of("db", "slog"));
    assertThat(o.dbOutage).isEqualTo(Duration.ofMillis(500));
    assertThat(o.seed).isEqualTo(7);
    assertThat(o.jdbcUrl).isEqualTo("jdbc:h2:mem:x");
    assertThat(o.quiet).isTrue();
  }

  @Test
  void reportsEveryBadFlagAtOnce() {
    assertThatThrownBy(
            () ->
                DemoOptions.parse(
                    "--rate",
                    "-5",
                    "--duration",
                    "soon",
                    "--jdbc-url",
                    "jdbc:mysql://x",
                    "--period"))
        .isInstanceOf(DemoOptions.UsageException.class)
        .hasMessageContaining("--rate was '-5' but must be a whole number from 1 to 5000000")
        .hasMessageContaining("--duration was 'soon' but must be a duration")
        .hasMessageContaining("--jdbc-url must start with jdbc:postgresql: or jdbc:h2:")
        .hasMessageContaining("--period needs a value");
  }

  @Test
  void anOutageMustBeShorterThanThePeriod() {
    assertThatThrownBy(() -> DemoOptions.parse("--db-outage", "5s", "--period", "5s"))
        .isInstanceOf(DemoOptions.UsageException.class)
        .hasMessageContaining("--db-outage was 5s but must be shorter than --period 5s");
  }

  @Test
  void aReportPathThatCannotBeWrittenIsABadFlag(@TempDir Path dir) throws Exception {
    Path file = Files.writeString(dir.resolve("plain-file"), "x");
    assertThatThrownBy(
            () -> DemoOptions.parse("--report-json", file.resolve("report.json").toString()))
        .isInstanceOf(DemoOptions.UsageException.class)
        .hasMessageContaining(
            "--report-json was '" + file.resolve("report.json") + "' but cannot be written");
    assertThatThrownBy(
            () -> DemoOptions.parse("--report-json", dir.resolve("no/such/dir/r.json").toString()))
        .isInstanceOf(DemoOptions.UsageException.class)
        .hasMessageContaining("but cannot be written: its directory does not exist");
    assertThatThrownBy(() -> DemoOptions.parse("--report-json", dir.toString()))
        .isInstanceOf(DemoOptions.UsageException.class)
        .hasMessage("--report-json was '" + dir + "' but is a directory");
    Path ok = dir.resolve("report.json");
    assertThat(DemoOptions.parse("--report-json", ok.toString()).reportJson).isEqualTo(ok);
    assertThat(ok).doesNotExist(); // the check leaves nothing behind
  }
}
