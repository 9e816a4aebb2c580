package io.tally.faults;

import static org.assertj.core.api.Assertions.assertThat;

import io.tally.testkit.PostgresDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A storm of killed connections: every 50-200 ms, each of the fleet's server backends (found by the
 * fleet's own {@code application_name}, so nothing else on the server is touched) is terminated
 * with probability 1/2, for {@link #STORM}: in the middle of statements, transactions and commits,
 * as a server restart or an operator's {@code pg_terminate_backend} does.
 */
class KilledBackendsTest {
  /**
   * Shorter than the 20 s of the original fault run, which used the default settings: with the
   * fleet's settings 8 s are still some 60 rounds of kills and dozens of retry back-offs (0.1-1 s)
   * and flush intervals.
   */
  static final Duration STORM = Duration.ofSeconds(8);

  @RegisterExtension static final PostgresDatabase pg = PostgresDatabase.create();

  @Test
  void nothingIsLostWhenBackendsAreKilledAgainAndAgain() throws Exception {
    Scenario.run(Fleet.on(pg), KilledBackendsTest::storm).assertExact();
  }

  private static void storm(Fleet fleet) throws SQLException {
    long killed = 0;
    try (Connection c = pg.dataSource().getConnection();
        PreparedStatement kill =
            c.prepareStatement(
                "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity"
                    + " WHERE application_name = ? AND pid <> pg_backend_pid() AND random() < 0.5")) {
      kill.setString(1, fleet.applicationName);
      long end = Fleet.REAL.nanoTime() + STORM.toNanos();
      while (Fleet.REAL.nanoTime() - end < 0) {
        try (ResultSet rs = kill.executeQuery()) {
          rs.next();
          killed += rs.getLong(1);
        }
        Fleet.pause(Duration.ofMillis(ThreadLocalRandom.current().nextInt(50, 201)));
      }
    }
    assertThat(killed).as("backends killed").isGreaterThan(10);
  }
}
