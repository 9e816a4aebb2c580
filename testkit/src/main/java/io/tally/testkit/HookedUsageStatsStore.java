package io.tally.testkit;

import io.tally.core.usagestats.FlushOutcome;
import io.tally.core.usagestats.ReplicaUsage;
import io.tally.core.usagestats.UsageFlush;
import io.tally.core.usagestats.UsageStatsStore;
import io.tally.core.usagestats.UsageSummary;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A {@link UsageStatsStore} that hands every {@link #flush(UsageFlush)} to a hook, which may record
 * it, act before or after it (say, run a collection between two chunks) or fail it; the other
 * methods go straight to the delegate. Thread-safe if the hook and the delegate are.
 */
public final class HookedUsageStatsStore implements UsageStatsStore {
  /** What runs in place of the delegate's flush. */
  @FunctionalInterface
  public interface FlushHook {
    /**
     * @param flush the snapshot given to the store
     * @param delegate the wrapped store: call its {@code flush} to apply the snapshot
     * @return the outcome to report
     */
    FlushOutcome flush(UsageFlush flush, UsageStatsStore delegate);
  }

  private final UsageStatsStore delegate;
  private final FlushHook hook;

  /**
   * @param delegate the store that applies the snapshots
   * @param hook runs for every flush
   * @throws NullPointerException if an argument is null
   */
  public HookedUsageStatsStore(UsageStatsStore delegate, FlushHook hook) {
    this.delegate = Objects.requireNonNull(delegate, "delegate");
    this.hook = Objects.requireNonNull(hook, "hook");
  }

  @Override
  public FlushOutcome flush(UsageFlush flush) {
    return hook.flush(flush, delegate);
  }

  @Override
  public Optional<UsageSummary> collectAndReset(
      Instant periodEnd, Duration period, Instant now, String claimedBy) {
    return delegate.collectAndReset(periodEnd, period, now, claimedBy);
  }

  @Override
  public List<ReplicaUsage> replicaUsage() {
    return delegate.replicaUsage();
  }

  @Override
  public String toString() {
    return "HookedUsageStatsStore(" + delegate + ")";
  }
}
