package io.tally.examples.demo;

import static org.assertj.core.api.Assertions.assertThat;

import io.tally.testkit.PostgresDatabase;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Runs the demo's {@code main} in this JVM, as the README's first command does, but short. */
class DemoMainTest {
  @RegisterExtension static final PostgresDatabase pg = PostgresDatabase.create();

  @TempDir Path dir;

  private record Result(int exitCode, String out, String err, String json) {}

  private Result run(String... args) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    Path report = dir.resolve("report-" + System.identityHashCode(out) + ".json");
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(List.of("--report-json", report.toString()));
    int code =
        DemoMain.run(
            all.toArray(new String[0]),
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
    String json = Files.exists(report) ? Files.readString(report) : "";
    return new Result(
        code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8), json);
  }

  private static void assertVerified(Result r, String store) {
    assertThat(r.exitCode()).as(r.out() + r.err()).isZero();
    assertThat(r.out()).contains("RESULT: PASS  (lost 0, duplicated 0)");
    assertThat(r.json())
        .contains("\"store\": \"" + store + "\"")
        .contains("\"replicas\": 3")
        .contains("\"lost\": 0")
        .contains("\"duplicated\": 0")
        .contains("\"verified\": true")
        .contains("\"eventsPerSecond\": ")
        .contains("\"targetRate\": {")
        .doesNotContain("\"ok\": false");
  }

  @Test
  void shortRunOnEmbeddedH2VerifiesEverything() throws Exception {
    Result r = run("--duration", "3s", "--period", "2s", "--rate", "2000", "--quiet");
    assertVerified(r, "h2");
    assertThat(r.json()).contains("\"dbOutageMs\": 0");
    assertThat(r.out())
        .contains(
            "OK   connection rows",
            "OK   last-used times",
            "OK   jsonl lines",
            "OK   usage summaries");
  }

  @Test
  void aDatabaseOutageLosesNothing() throws Exception {
    Result r =
        run("--duration", "3s", "--period", "2s", "--rate", "2000", "--db-outage", "1s", "--quiet");
    assertVerified(r, "h2");
    assertThat(r.json()).contains("\"dbOutageMs\": 1000");
    assertThat(r.out())
        .containsPattern("database outage  1s: [1-9][0-9,]* connection attempts refused");
  }

  @Test
  void shortRunOnPostgresVerifiesEverything() throws Exception {
    String url = pg.jdbcUrl();
    Result r =
        run(
            "--duration",
            "3s",
            "--period",
            "2s",
            "--rate",
            "2000",
            "--db-outage",
            "1s",
            "--quiet",
            "--jdbc-url",
            url,
            "--jdbc-user",
            pg.user(),
            "--jdbc-password",
            pg.password());
    assertVerified(r, "postgres");
  }

  @Test
  void badFlagsPrintUsageAndExitTwo() throws Exception {
    Result r = run("--replicas", "zero", "--nope");
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err())
        .contains("--replicas was 'zero' but must be a whole number from 1 to 64")
        .contains("unknown flag '--nope'")
        .contains("Usage: java -jar tally-demo.jar");
  }

  @Test
  void anUnknownBackendIsABadFlag() throws Exception {
    Result r = run("--backends", "db,nope", "--duration", "1s", "--quiet");
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err())
        .contains("nope")
        .contains("found:")
        .contains("Usage: java -jar tally-demo.jar");
  }

  @Test
  void withoutTheDbBackendTheConnectionRowsAreNotChecked() throws Exception {
    Result r =
        run(
            "--backends",
            "jsonl",
            "--duration",
            "2s",
            "--period",
            "2s",
            "--rate",
            "1000",
            "--quiet");
    assertThat(r.exitCode()).as(r.out() + r.err()).isZero();
    assertThat(r.out()).doesNotContain("connection rows").contains("OK   jsonl lines");
  }

  /**
   * Needs NATS JetStream at 127.0.0.1:4222, as every test of the build does (.ci/run starts it).
   */
  @Test
  void throughTheNatsStreamWithADatabaseOutageNothingIsLost() throws Exception {
    Result r =
        run(
            "--backends",
            "nats,jsonl",
            "--duration",
            "3s",
            "--period",
            "2s",
            "--rate",
            "2000",
            "--db-outage",
            "1s",
            "--quiet");
    assertVerified(r, "h2");
    assertThat(r.out())
        .contains("OK   connection rows", "OK   jsonl lines", "Stream: NATS stream TALLY_DEMO_");
  }

  @Test
  void anUnwritableReportPathFailsBeforeTheRun() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    String bad = dir.resolve("missing-dir").resolve("report.json").toString();
    int code =
        DemoMain.run(
            new String[] {"--duration", "1s", "--quiet", "--report-json", bad},
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
    assertThat(code).isEqualTo(2);
    assertThat(err.toString(StandardCharsets.UTF_8))
        .contains(
            "--report-json was '" + bad + "' but cannot be written: its directory does not exist")
        .contains("Usage: java -jar tally-demo.jar");
    assertThat(out.toString(StandardCharsets.UTF_8)).doesNotContain("Tally demo:"); // no run
  }

  @Test
  void helpPrintsUsageAndExitsZero() throws Exception {
    Result r = run("--help");
    assertThat(r.exitCode()).isZero();
    assertThat(r.out()).contains("--db-outage <d>").contains("--report-json <file>");
  }
}
