package io.tally.core.usagestats;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Where usage statistics are kept: one row per replica, the period's unique members, a
 * per-replica flush sequence and a claim per reported period. The SPI behind
 * {@link UsageStatsTracker} and {@link UsageStatsReporter}; the built-in implementations are
 * {@code PostgresUsageStatsStore}, {@code H2UsageStatsStore} and the testkit's
 * {@code InMemoryUsageStatsStore}, and a new implementation proves itself by passing the
 * testkit's {@code UsageStatsStoreContract}.
 *
 * <p>Both operations run in one transaction each, holding one "stats lock" (PostgreSQL: an
 * advisory transaction lock; H2: a lock row selected {@code FOR UPDATE}), so a flush never
 * interleaves with the sum-and-delete that starts a new period. Every time a store writes comes
 * from the arguments (the caller's clock), never from the database's clock. Methods throw an
 * unchecked exception (the built-in stores: {@link io.tally.core.StoreException}) when the
 * transaction fails; the callers treat every failure as "outcome unknown". Implementations must
 * be thread-safe.
 */
public interface UsageStatsStore {

  /**
   * How long sequence rows of replicas that stopped flushing and claims of past periods are kept:
   * 7 days. {@link #collectAndReset} deletes older ones; a snapshot whose outcome is still unknown
   * after this long could be applied twice.
   */
  Duration RETENTION = Duration.ofDays(7);

  /**
   * Applies one replica's snapshot in one transaction holding the stats lock, unless its
   * sequence number was applied before; see {@link UsageFlush} for the exact rules.
   *
   * @param flush the snapshot
   * @return whether the row was inserted or updated, now or by an earlier attempt
   * @throws RuntimeException if the transaction failed (it may nevertheless have committed)
   */
  FlushOutcome flush(UsageFlush flush);

  /**
   * Claims the period ending at {@code periodEnd} and, if the claim is new, reports and starts a
   * new period, all in one transaction holding the stats lock: it records the claim, sums the
   * request counters of every replica row last updated not before
   * {@code now - 2 * period}, counts the distinct workspace and user ids those replicas recorded,
   * deletes every replica row and member (rows older than the cut-off are deleted without being
   * counted: their replica stopped flushing), and deletes
   * sequence rows and claims older than {@link #RETENTION}. Sequence rows of live replicas are
   * kept.
   *
   * @param periodEnd the end of the period being reported; the claim's key
   * @param period the period length; the summary starts at {@code periodEnd - period}
   * @param now the caller's current time, recorded in the claim and used for the cut-offs
   * @param claimedBy who claims, recorded with the claim (for operators)
   * @return the summary, or empty if the period was already claimed (nothing changed)
   * @throws RuntimeException if the transaction failed
   */
  Optional<UsageSummary> collectAndReset(
      Instant periodEnd, Duration period, Instant now, String claimedBy);

  /**
   * Reads every replica row of the current period without changing anything.
   *
   * @return the rows, ordered by replica id
   * @throws RuntimeException if the read failed
   */
  List<ReplicaUsage> replicaUsage();
}
