package io.tally.store.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import io.tally.core.Clock;
import io.tally.core.FlushResult;
import io.tally.core.usagestats.UsageStatsReporter;
import io.tally.core.usagestats.UsageStatsTracker;
import io.tally.core.usagestats.UsageSummary;
import io.tally.testkit.ManualClock;
import io.tally.testkit.PostgresDatabase;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A flush of one million new ids with the default options (each store call, one chunk of 100,000
 * ids, bounded by the default flush timeout), then a collection of them, on a real PostgreSQL. Logs
 * the figures (on a busy 2-core machine: flush 2-6 s, collection 1-3 s); the bounds asserted are
 * generous, so the test does not fail on a slow machine.
 */
class PostgresUsageStatsScaleTest {
  private static final Logger log = LoggerFactory.getLogger(PostgresUsageStatsScaleTest.class);

  @RegisterExtension static final PostgresDatabase pg = PostgresDatabase.create();

  @Test
  void aMillionNewIdsAreFlushedWithinTheDefaultTimeoutAndCollectedExactly() {
    PostgresUsageStatsStore store =
        new PostgresUsageStatsStore(pg.dataSource(), PostgresSchema.withTablePrefix("scale_"));
    store.migrate();
    ManualClock clock = ManualClock.create();
    UsageStatsTracker tracker =
        UsageStatsTracker.builder(store, UUID.randomUUID()).clock(clock).build();
    UsageStatsReporter reporter =
        UsageStatsReporter.builder(store)
            .clock(clock)
            .reporterId("scale")
            .timeout(Duration.ofMinutes(2)) // measured, not bounded here: a busy machine is slow
            .build();
    try {
      int n = 500_000;
      for (int i = 0; i < n; i++) {
        tracker.track(UUID.randomUUID(), UUID.randomUUID(), 1, 0);
      }
      long start = Clock.system().nanoTime(); // real elapsed time, for the log
      FlushResult result = tracker.flush();
      long flushMillis = (Clock.system().nanoTime() - start) / 1_000_000;

      assertThat(result.isSuccess()).as("%s", result).isTrue();
      clock.advance(UsageStatsReporter.Builder.DEFAULT_PERIOD);
      start = Clock.system().nanoTime();
      UsageSummary summary = reporter.collectAndReset().orElseThrow();
      long collectMillis = (Clock.system().nanoTime() - start) / 1_000_000;
      log.info(
          "1M-id usage flush: {} ms (default flush timeout {}); collection of 1M members: {} ms",
          flushMillis,
          UsageStatsTracker.Builder.DEFAULT_FLUSH_TIMEOUT,
          collectMillis);
      assertThat(summary.uniqueWorkspaces()).isEqualTo(n);
      assertThat(summary.uniqueUsers()).isEqualTo(n);
      assertThat(summary.allowedRequests()).isEqualTo(n);
      assertThat(flushMillis).isLessThan(Duration.ofMinutes(2).toMillis()); // a generous bound
    } finally {
      tracker.close();
      reporter.close();
    }
  }
}
