package io.tally.faults;

import io.tally.testkit.PostgresDatabase;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A slow database: for {@link #SLOW_FOR} every chunk of bytes each way is held {@link #DELAY}, so
 * each round trip takes at least 500 ms more (a database far away or overloaded). A flush must then
 * need few round trips to fit the fleet's 2 s flush timeout, and one that times out must lose
 * nothing and count nothing twice.
 */
class SlowDatabaseTest {
  static final Duration DELAY = Duration.ofMillis(250);
  static final Duration SLOW_FOR = Duration.ofSeconds(5);

  @RegisterExtension static final PostgresDatabase pg = PostgresDatabase.create();

  @Test
  void nothingIsLostWhenEveryRoundTripIsSlow() throws Exception {
    Scenario.run(
            Fleet.on(pg),
            fleet -> {
              fleet.proxy.delay(DELAY);
              Fleet.runFor(SLOW_FOR);
              fleet.proxy.heal();
            })
        .assertExact();
  }
}
