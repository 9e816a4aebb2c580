package io.tally.examples.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.tally.core.Clock;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The README's PostgreSQL contract subclass, run whole, takes well under 10 s: its read-back is one
 * query for many ids, and the {@code PostgresDatabase} fixture's data source is pooled. (One query
 * per id on a fresh connection each took 300 s.) Fails in {@link #tookUnderTenSeconds()} when the
 * whole class (every contract test) took longer.
 */
class ContractDurationTest extends MyStoreContractTest {
  static final Duration BOUND = Duration.ofSeconds(10);
  private static long start;

  @BeforeAll
  static void startTiming() {
    start = Clock.system().nanoTime();
  }

  @AfterAll
  static void tookUnderTenSeconds() {
    Duration took = Duration.ofNanos(Clock.system().nanoTime() - start);
    assertThat(took).as("the whole PostgreSQL contract, every test").isLessThan(BOUND);
  }
}
