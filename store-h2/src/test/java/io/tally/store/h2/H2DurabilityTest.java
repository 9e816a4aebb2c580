package io.tally.store.h2;

import static org.assertj.core.api.Assertions.assertThat;

import io.tally.core.Clock;
import io.tally.core.TallyConfig;
import io.tally.core.spi.ProviderContext;
import io.tally.core.spi.Stores;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a flush of the H2 store counted as written survives the process being killed right after the
 * flush returned: a child JVM writes batches into a file database and reports each one, and is
 * killed with SIGKILL the moment it reports the last one we wait for.
 */
class H2DurabilityTest {
  private static final int ROWS_PER_FLUSH = 1000;
  private static final int FLUSHES_BEFORE_KILL = 5;

  @TempDir Path dir;

  /**
   * The child: opens the store on {@code args[0]} and writes batches of last-used rows forever,
   * printing {@code FLUSHED <n>} after batch n returned.
   */
  public static void main(String[] args) throws Exception {
    TallyConfig config = TallyConfig.builder().jdbcUrl(args[0]).build();
    PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    try (Stores stores =
        new H2StoreProvider().open(ProviderContext.of(config, null, Clock.system()))) {
      stores.migrate();
      Instant at = Instant.parse("2026-01-01T00:00:00Z");
      for (int n = 0; ; n++) {
        Map<UUID, Instant> batch = new HashMap<>();
        for (int i = 0; i < ROWS_PER_FLUSH; i++) {
          batch.put(UUID.randomUUID(), at);
        }
        stores.lastUsed().markUsed(batch);
        out.println("FLUSHED " + n);
      }
    }
  }

  private int killAfterFlushes(String url) throws Exception {
    String java = Paths.get(System.getProperty("java.home"), "bin", "java").toString();
    Process child =
        new ProcessBuilder(
                java,
                "-cp",
                System.getProperty("java.class.path"),
                "-Dlogback.configurationFile=logback-test.xml",
                H2DurabilityTest.class.getName(),
                url)
            .redirectErrorStream(true)
            .start();
    int reported = -1;
    try (BufferedReader lines =
        new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = lines.readLine()) != null) {
        if (line.startsWith("FLUSHED ")) {
          reported = Integer.parseInt(line.substring("FLUSHED ".length()));
          if (reported + 1 >= FLUSHES_BEFORE_KILL) {
            child.destroyForcibly();
            break;
          }
        }
      }
    } finally {
      child.destroyForcibly();
      assertThat(child.waitFor(60, TimeUnit.SECONDS)).as("the child ended").isTrue();
    }
    assertThat(reported + 1).as("flushes the child reported").isEqualTo(FLUSHES_BEFORE_KILL);
    return (reported + 1) * ROWS_PER_FLUSH;
  }

  private static long rows(String url) throws Exception {
    try (Connection c = DriverManager.getConnection(url, "", "");
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT count(*) FROM tally_last_used")) {
      rs.next();
      return rs.getLong(1);
    }
  }

  @Test
  void everyRowAFlushCountedSurvivesAKill() throws Exception {
    String url = "jdbc:h2:async:" + dir.resolve("tally").toAbsolutePath();
    int counted = killAfterFlushes(url);
    assertThat(rows(url)).isGreaterThanOrEqualTo(counted);
  }
}
