package io.tally.faults;

import io.tally.testkit.PostgresDatabase;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A slow database: for {@link #SLOW_FOR} every chunk of bytes each way is held {@link #DELAY}, so
 * each round trip takes at least 300 ms more. A flush must then need few round trips: one of 7
 * (lock, probe, row, members, sequence, commit...) takes more than the fleet's 2 s flush timeout,
 * one of 2-3 fits easily.
 */
class SlowDatabaseTest {
  static final Duration DELAY = Duration.ofMillis(150);
  static final Duration SLOW_FOR = Duration.ofSeconds(6);

  @RegisterExtension static final PostgresDatabase pg = PostgresDatabase.create();

  @Test
  void nothingIsLostWhenEveryRoundTripIsSlow() {
    try (Fleet fleet = Fleet.start(Fleet.on(pg), Map.of(), Fleet.Load.STEADY)) {
      Fleet.runFor(Scenario.WARM_UP);
      fleet.proxy.delay(DELAY);
      Fleet.runFor(SLOW_FOR);
      fleet.proxy.heal();
      Fleet.runFor(Scenario.RECOVERY);
      fleet.stopAndClose();
      fleet.audit().assertExact();
    }
  }
}
