package io.tally.faults;

import io.tally.testkit.PostgresDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The control: the same fleet, load and audit with no fault at all must come out exact. */
class NoFaultTest {
  @RegisterExtension static final PostgresDatabase pg = PostgresDatabase.create();

  @Test
  void withoutFaultsTheDatabaseMatchesTheTruthExactly() throws Exception {
    Scenario.run(Fleet.on(pg), fleet -> {}).assertExact();
  }
}
