package io.tally.core.usagestats;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Where usage statistics are kept: one row per replica, the period's unique members, a per-replica
 * flush sequence and a claim per reported period. The SPI behind {@link UsageStatsTracker} and
 * {@link UsageStatsReporter}; the built-in implementations are {@code PostgresUsageStatsStore},
 * {@code H2UsageStatsStore} and the testkit's {@code InMemoryUsageStatsStore}, and a new
 * implementation proves itself by passing the testkit's {@code UsageStatsStoreContract}.
 *
 * <p>Both operations run in one transaction each, holding one "stats lock" (PostgreSQL: an advisory
 * transaction lock; H2: a lock row selected {@code FOR UPDATE}), so a flush never interleaves with
 * the sum-and-delete that starts a new period. Every time a store writes comes from the arguments
 * (the caller's clock), never from the database's clock. Methods throw an unchecked exception (the
 * built-in stores: {@link io.tally.core.StoreException}) when the transaction fails; the callers
 * treat every failure as "outcome unknown". Implementations must be thread-safe.
 */
public interface UsageStatsStore {

  /**
   * How long sequence rows of replicas that stopped flushing and claims of past periods (with their
   * stored summaries) are kept: 7 days. {@link #collectAndReset} deletes older ones; a snapshot
   * whose outcome is still unknown after this long could be applied twice, and a reporter asking
   * again for a period claimed longer ago gets nothing.
   */
  Duration RETENTION = Duration.ofDays(7);

  /**
   * Adds two request counts the way every store must: a sum that would pass {@link Long#MAX_VALUE}
   * is {@link Long#MAX_VALUE} (saturated), never wrapped.
   *
   * @param a a count, zero or more
   * @param b a count, zero or more
   * @return {@code a + b}, or {@link Long#MAX_VALUE} if that would overflow
   */
  static long addCounts(long a, long b) {
    long sum = a + b;
    return sum < 0 ? Long.MAX_VALUE : sum;
  }

  /**
   * Applies one replica's snapshot in one transaction holding the stats lock, unless its sequence
   * number was applied before; see {@link UsageFlush} for the exact rules. Request counters
   * saturate at {@link Long#MAX_VALUE}: a sum that would pass it is stored as {@link
   * Long#MAX_VALUE}, never wrapped and never an error.
   *
   * @param flush the snapshot
   * @return whether the row was inserted or updated, now or by an earlier attempt
   * @throws RuntimeException if the transaction failed (it may nevertheless have committed)
   */
  FlushOutcome flush(UsageFlush flush);

  /**
   * Claims the period ending at {@code periodEnd} and, if the claim is new, reports and starts a
   * new period, all in one transaction holding the stats lock: it sums the request counters of
   * every replica row present (however long ago it was updated: usage written and not yet collected
   * always lands in the next summary; sums saturate at {@link Long#MAX_VALUE}), counts the distinct
   * workspace and user ids recorded by those rows, records the claim together with that summary,
   * deletes every replica row and member, and deletes sequence rows and claims older than {@link
   * #RETENTION}. Sequence rows of live replicas are kept.
   *
   * <p>If the period was claimed before by the same {@code claimedBy}, it returns the summary
   * stored with that claim and changes nothing: a caller that did not learn the outcome of its
   * first call (the COMMIT reply was lost) gets its summary on the next call. If another reporter
   * claimed it, it returns empty and changes nothing.
   *
   * @param periodEnd the end of the period being reported; the claim's key
   * @param period the period length; the summary starts at {@code periodEnd - period}
   * @param now the caller's current time, recorded in the claim and used for the retention
   * @param claimedBy who claims; a repeated call with the same value gets the stored summary
   * @return the summary, or empty if another reporter claimed the period (nothing changed)
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
