package io.tally.faults;

import io.tally.testkit.PrivatePostgres;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The server itself is stopped ({@code pg_ctl stop -m fast}: sessions ended, open transactions
 * rolled back, new connections refused) for {@link #DOWN_FOR} and started again with the same data.
 * A private server the test starts, so no other test's server is touched.
 */
class ServerRestartTest {
  /** Many flush intervals and retry back-offs of the fleet's settings. */
  static final Duration DOWN_FOR = Duration.ofSeconds(5);

  private static PrivatePostgres server;

  @BeforeAll
  static void startServer() {
    server = PrivatePostgres.start();
  }

  @AfterAll
  static void stopServer() {
    if (server != null) {
      server.close();
    }
  }

  @Test
  void nothingIsLostWhenTheServerStopsAndStartsAgain() throws Exception {
    Fleet.Database db =
        new Fleet.Database(server.jdbcUrl(), server.user(), "", server.dataSource());
    Scenario.run(
            db,
            fleet -> {
              server.stop();
              Fleet.runFor(DOWN_FOR);
              server.restart();
            })
        .assertExact();
  }
}
