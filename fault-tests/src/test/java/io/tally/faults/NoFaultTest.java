package io.tally.faults;

import io.tally.testkit.PostgresDatabase;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The control: the same fleet, load and audit with no fault at all must come out exact. */
class NoFaultTest {
  @RegisterExtension static final PostgresDatabase pg = PostgresDatabase.create();

  @Test
  void withoutFaultsTheDatabaseMatchesTheTruthExactly() {
    try (Fleet fleet = Fleet.start(Fleet.on(pg), Map.of(), Fleet.Load.STEADY)) {
      Fleet.runFor(Scenario.WARM_UP.plus(Scenario.RECOVERY));
      fleet.stopAndClose();
      fleet.audit().assertExact();
    }
  }
}
