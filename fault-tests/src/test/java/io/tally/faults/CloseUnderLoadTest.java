package io.tally.faults;

import static org.assertj.core.api.Assertions.assertThat;

import io.tally.testkit.PostgresDatabase;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code close()} while writers call every component as fast as they can: every call that returned
 * normally is in the database, and every call made after {@code close()} returned throws. The three
 * replicas close at once; the writers go on for a second after that.
 */
class CloseUnderLoadTest {
  @RegisterExtension static final PostgresDatabase pg = PostgresDatabase.create();

  @Test
  void everyCallThatReturnedIsStoredAndEveryCallAfterCloseThrows() {
    try (Fleet fleet = Fleet.start(Fleet.on(pg), Map.of(), Fleet.Load.FULL_SPEED)) {
      Fleet.runFor(Scenario.WARM_UP);
      fleet.closeAll();
      long refusedBefore = fleet.truth.refusedCalls.sum();
      Fleet.runFor(Duration.ofSeconds(1));
      fleet.stopWriters();
      assertThat(fleet.truth.refusedCalls.sum())
          .as("calls after close threw")
          .isGreaterThan(refusedBefore);
      assertThat(fleet.closeTimes())
          .allSatisfy(t -> assertThat(t).isLessThan(Duration.ofSeconds(20)));
      fleet.audit().assertExact();
    }
  }
}
