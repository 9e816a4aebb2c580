package io.tally.faults;

import io.tally.testkit.PostgresDatabase;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The database becomes unreachable for 10 s: new connections are refused and open ones reset, like
 * a server that crashed or a primary that fails over. 10 s is many flush intervals and retry
 * back-offs of the fleet's settings (flushes every 0.2-0.5 s, back-off 0.1-1 s).
 */
class RefuseAndCutTest {
  @RegisterExtension static final PostgresDatabase pg = PostgresDatabase.create();

  @Test
  void nothingIsLostWhileTheDatabaseIsUnreachable() throws Exception {
    Scenario.run(
            Fleet.on(pg),
            fleet -> {
              fleet.proxy.refuseNewConnections();
              fleet.proxy.cutConnections();
              Fleet.runFor(Duration.ofSeconds(10));
              fleet.proxy.heal();
            })
        .assertExact();
  }
}
