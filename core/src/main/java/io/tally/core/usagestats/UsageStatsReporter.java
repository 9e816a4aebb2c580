package io.tally.core.usagestats;

import io.tally.core.Clock;
import io.tally.core.HealthPolicy;
import io.tally.core.TallyComponent;
import io.tally.core.internal.Checks;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * Reports the usage of each period across every replica, once per period whichever replica asks.
 *
 * <pre>{@code
 * UsageStatsReporter reporter = UsageStatsReporter.builder(store).period(Duration.ofMinutes(30)).build();
 * reporter.collectAndReset().ifPresent(summary -> telemetry.send(summary));
 * }</pre>
 *
 * <p>The period that ends at {@code now} truncated to the period length (counted from the epoch) is
 * reported by the first {@link #collectAndReset()} after that end, on any replica; the store
 * records the claim, so later calls for the same period, on any replica, return empty. The reporter
 * has no timer of its own: call it from your telemetry schedule. Thread-safe.
 */
public interface UsageStatsReporter extends TallyComponent {

  /**
   * Claims the period that ended last and, if no replica claimed it before, sums every replica's
   * row, counts unique workspaces and users exactly across replicas, deletes the rows (so every
   * tracker starts a new period at its next flush) and returns the summary, all in one store
   * transaction. Every row present is counted, however long ago its replica flushed: usage written
   * and not yet collected lands in the next summary. The caller waits at most the {@link
   * Builder#timeout(Duration) timeout} (real time); the store call runs on the reporter's own
   * thread.
   *
   * <p><b>A failed call loses nothing.</b> If a call throws, the reporter keeps the period in
   * memory as <em>in doubt</em> (its claim may have committed, say the COMMIT reply was lost; the
   * store kept the summary with the claim). Every later call first asks the store again for the
   * periods in doubt, oldest first; if one of them yields a summary, this call returns it and
   * leaves the current period to the next call (so a caller on a schedule gets every summary
   * claimed for it, one per call, and the usage of a period not claimed meanwhile lands in the next
   * summary). Use {@link #collectAll()} to get them all in one call. Within one reporter instance
   * every summary it claimed is returned exactly once.
   *
   * <p>A reporter restarted with the same id gets a summary it had claimed but never returned only
   * if its first call asks for that same period (claims are kept for {@link
   * UsageStatsStore#RETENTION}); it may then return that summary a second time, so a consumer that
   * must not count a period twice keys on {@link UsageSummary#periodStart()}. A claim of an earlier
   * period whose reply was lost just before the process stopped is not returned by the restarted
   * reporter (its summary stays in the store's claims table until the retention ends).
   *
   * @return the oldest summary claimed for this reporter and not yet returned, or empty if there is
   *     none and the current period was already reported (by another reporter, or returned by this
   *     one)
   * @throws RuntimeException what the store threw, or a {@link io.tally.core.StoreException} if the
   *     call timed out (counted in {@link #stats()} and logged); the period is then in doubt and a
   *     later call returns its summary if the claim committed
   * @throws IllegalStateException after {@link #close()}
   */
  Optional<UsageSummary> collectAndReset();

  /**
   * As {@link #collectAndReset()}, but returns in one call every summary it gets: those of periods
   * in doubt (oldest first), then the current period's. If a store call fails, the summaries
   * obtained before it are kept and returned by the next call.
   *
   * @return the summaries, oldest first; empty if there is none
   * @throws RuntimeException as {@link #collectAndReset()}
   * @throws IllegalStateException after {@link #close()}
   */
  List<UsageSummary> collectAll();

  /**
   * @return the reporting period
   */
  Duration period();

  /**
   * Starts a builder.
   *
   * @param store the store the trackers write to
   * @return the builder
   * @throws NullPointerException if {@code store} is null
   */
  static Builder builder(UsageStatsStore store) {
    return new Builder(store);
  }

  /** Builds a {@link UsageStatsReporter}; not thread-safe. */
  final class Builder {
    /** Default reporting period: 30 minutes. */
    public static final Duration DEFAULT_PERIOD = Duration.ofMinutes(30);

    /** Default component name: {@value}. */
    public static final String DEFAULT_NAME = "usage-reporter";

    /** Default real-time bound on one collection: 10 seconds (the tracker's flush timeout). */
    public static final Duration DEFAULT_TIMEOUT = UsageStatsTracker.Builder.DEFAULT_FLUSH_TIMEOUT;

    final UsageStatsStore store;
    Duration period = DEFAULT_PERIOD;
    Clock clock = Clock.system();
    HealthPolicy healthPolicy = HealthPolicy.defaults();
    String name = DEFAULT_NAME;
    @Nullable String reporterId; // null: a random UUID
    Duration timeout = DEFAULT_TIMEOUT;

    private Builder(UsageStatsStore store) {
      this.store = Objects.requireNonNull(store, "store");
    }

    /**
     * @param period the reporting period; positive (default 30 minutes)
     * @return this
     */
    public Builder period(Duration period) {
      this.period = Objects.requireNonNull(period, "period");
      return this;
    }

    /**
     * @param clock the source of time (default {@link Clock#system()})
     * @return this
     */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /**
     * @param policy when {@link #health()} reports degraded or failing (default {@link
     *     HealthPolicy#defaults()})
     * @return this
     */
    public Builder healthPolicy(HealthPolicy policy) {
      this.healthPolicy = Objects.requireNonNull(policy, "healthPolicy");
      return this;
    }

    /**
     * @param name the component name in stats and logs (default {@value #DEFAULT_NAME}); 1 to 40
     *     letters, digits, {@code -} or {@code _}, checked by {@link #build()}
     * @return this
     */
    public Builder name(String name) {
      this.name = Objects.requireNonNull(name, "name");
      return this;
    }

    /**
     * @param timeout real-time bound on one {@link UsageStatsReporter#collectAndReset()}; positive
     *     (default 10 seconds)
     * @return this
     */
    public Builder timeout(Duration timeout) {
      this.timeout = Objects.requireNonNull(timeout, "timeout");
      return this;
    }

    /**
     * Who claims: recorded with each claim, and the key under which a reporter gets back the
     * summary of a period it claimed in a call whose outcome it never saw. Give every replica its
     * own id that survives restarts: {@code Tally} passes its replica id.
     *
     * @param reporterId 1 to 200 characters (default: a random UUID, so the summary of a claim
     *     whose outcome was unknown is recovered only by the same reporter instance)
     * @return this
     */
    public Builder reporterId(String reporterId) {
      this.reporterId = Objects.requireNonNull(reporterId, "reporterId");
      return this;
    }

    /**
     * Validates the options and builds the reporter.
     *
     * @return the reporter
     * @throws IllegalArgumentException if an option is invalid (the message names it)
     */
    public UsageStatsReporter build() {
      Checks.positive(period, "period");
      Checks.positive(timeout, "timeout");
      Checks.name(name);
      if (reporterId == null) {
        reporterId = UUID.randomUUID().toString();
      }
      if (reporterId.isEmpty() || reporterId.length() > 200) {
        throw new IllegalArgumentException(
            "reporterId was '" + reporterId + "' but must be 1 to 200 characters");
      }
      return new DefaultUsageStatsReporter(this);
    }
  }
}
