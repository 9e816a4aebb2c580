package io.tally.faults;

import static org.assertj.core.api.Assertions.assertThat;

import io.tally.core.ComponentStats;
import io.tally.core.Tally;
import io.tally.testkit.PostgresDatabase;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The database is unreachable for a whole minute (a primary failover takes 30-60 s) while the
 * writers call as fast as they can. Writers may be refused once the memory bound is used (their
 * calls then throw and are not in the truth), but nothing accepted is lost, and memory stays within
 * the bound: the connection log never holds more than {@link #MAX_PENDING} events plus a full queue
 * ({@link #QUEUE_CAPACITY}), and the heap grows by less than {@link #HEAP_GROWTH}.
 *
 * <p>The full minute is kept on purpose: with the fleet's back-off (at most 1 s) it is some 60
 * retry rounds, far more than any retry count a time-based rule would allow.
 */
class LongOutageTest {
  static final Duration OUTAGE = Duration.ofSeconds(60);

  /**
   * The connection log's memory bound, {@code tally.batch.max-pending} (the queue not included).
   */
  static final int MAX_PENDING = 20_000;

  /** The connection log's intake queue, {@code tally.batch.queue-capacity} (its default). */
  static final int QUEUE_CAPACITY = 1_000;

  static final long HEAP_GROWTH = 256L << 20;

  @RegisterExtension static final PostgresDatabase pg = PostgresDatabase.create();

  @Test
  void aMinuteDownAtFullSpeedLosesNothingAndStaysWithinTheBound() throws Exception {
    Map<String, Long> maxPending = new HashMap<>();
    long[] heapGrowth = new long[1];
    Audit audit =
        Scenario.run(
            Fleet.on(pg),
            Map.of(
                "tally.batch.max-pending", Integer.toString(MAX_PENDING),
                "tally.batch.queue-capacity", Integer.toString(QUEUE_CAPACITY)),
            Fleet.Load.FULL_SPEED,
            fleet -> {
              MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
              memory.gc();
              long heapBefore = memory.getHeapMemoryUsage().getUsed();
              fleet.proxy.refuseNewConnections();
              fleet.proxy.cutConnections();
              long end = Fleet.REAL.nanoTime() + OUTAGE.toNanos();
              while (Fleet.REAL.nanoTime() - end < 0) {
                for (Tally t : fleet.tallies()) {
                  for (ComponentStats s : t.stats()) {
                    maxPending.merge(s.component(), s.pending(), Math::max);
                  }
                }
                Fleet.pause(Duration.ofMillis(200));
              }
              memory.gc();
              heapGrowth[0] = memory.getHeapMemoryUsage().getUsed() - heapBefore;
              fleet.proxy.heal();
            });
    assertThat(maxPending.get("connection-log"))
        .as("most connection-log events pending in one replica (%s)", maxPending)
        .isLessThanOrEqualTo(MAX_PENDING + QUEUE_CAPACITY);
    assertThat(heapGrowth[0]).as("heap growth over the outage, after a GC").isLessThan(HEAP_GROWTH);
    audit.assertExact();
  }
}
