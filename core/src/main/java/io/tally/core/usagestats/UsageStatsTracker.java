package io.tally.core.usagestats;

import io.tally.core.Clock;
import io.tally.core.FlushListener;
import io.tally.core.FlushResult;
import io.tally.core.HealthPolicy;
import io.tally.core.TallyComponent;
import io.tally.core.internal.Checks;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.UUID;

/**
 * Counts, on one replica, the unique workspaces and users and the allowed and denied requests of
 * the current reporting period, and writes them to a {@link UsageStatsStore} every {@link
 * Builder#flushInterval(Duration) flush interval}.
 *
 * <pre>{@code
 * UsageStatsTracker stats = UsageStatsTracker.builder(store, replicaId).build();
 * stats.track(workspaceId, userId, allowed, denied);   // from any thread, cheap
 * stats.close();                                       // final flush
 * }</pre>
 *
 * <p>A flush writes only when something was tracked since the previous flush. Nothing tracked is
 * lost when a flush fails, and nothing is counted twice when a flush's outcome is unknown (see the
 * package documentation for the algorithm). Thread-safe.
 */
public interface UsageStatsTracker extends TallyComponent {

  /**
   * Records usage: one request batch of a workspace by a user. Cheap (a short lock held for two set
   * insertions and a few additions), never blocks on I/O, safe from any thread.
   *
   * @param workspaceId the workspace used
   * @param userId the user who used it
   * @param allowed requests allowed; zero or more
   * @param denied requests denied; zero or more
   * @throws NullPointerException if an id is null
   * @throws IllegalArgumentException if a count is negative
   * @throws IllegalStateException after {@link #close()}
   */
  void track(UUID workspaceId, UUID userId, long allowed, long denied);

  /**
   * Flushes now: first re-sends a snapshot whose outcome is unknown (a previous failed flush), then
   * writes what was tracked since the previous flush, if anything. Waits for a flush already in
   * progress first; flushes never overlap.
   *
   * <p>After {@link #close()} it does nothing and returns {@link FlushResult#empty()}.
   *
   * @return what the flush did ({@link FlushResult#rows()} counts {@code track} calls written)
   */
  FlushResult flush();

  /**
   * How many {@code track} calls made this tracker's request counts saturate: a sum that would pass
   * {@link Long#MAX_VALUE} stays at {@link Long#MAX_VALUE} instead of wrapping (the stores saturate
   * their stored totals the same way). The calls are still written; only the part of their counts
   * beyond {@link Long#MAX_VALUE} is lost.
   *
   * @return the number of saturated calls since the tracker was built
   */
  long saturatedCalls();

  /**
   * @return the replica id this tracker writes under
   */
  UUID replicaId();

  /**
   * Starts a builder.
   *
   * @param store where to write
   * @param replicaId this replica's id; must be unique among the replicas that run at once
   * @return the builder
   * @throws NullPointerException if an argument is null
   */
  static Builder builder(UsageStatsStore store, UUID replicaId) {
    return new Builder(store, replicaId);
  }

  /** Builds a {@link UsageStatsTracker}; not thread-safe. */
  final class Builder {
    /** Default time between flushes: 1 minute. */
    public static final Duration DEFAULT_FLUSH_INTERVAL = Duration.ofMinutes(1);

    /** Default real-time bound on one store call: 10 seconds. */
    public static final Duration DEFAULT_FLUSH_TIMEOUT = Duration.ofSeconds(10);

    /**
     * Default real-time budget of the final flush in {@code close()}, retries included: 10 seconds.
     */
    public static final Duration DEFAULT_SHUTDOWN_TIMEOUT = Duration.ofSeconds(10);

    /** Default component name: {@value}. */
    public static final String DEFAULT_NAME = "usage-stats";

    /** Default bound on the ids one store call writes: {@value}. */
    public static final int DEFAULT_MAX_IDS_PER_CALL = 100_000;

    /** Upper bound of {@link #maxIdsPerCall(int)}: {@value}. */
    public static final int MAX_IDS_PER_CALL_LIMIT = 10_000_000;

    final UsageStatsStore store;
    final UUID replicaId;
    Duration flushInterval = DEFAULT_FLUSH_INTERVAL;
    Duration flushTimeout = DEFAULT_FLUSH_TIMEOUT;
    Duration shutdownTimeout = DEFAULT_SHUTDOWN_TIMEOUT;
    Clock clock = Clock.system();
    HealthPolicy healthPolicy = HealthPolicy.defaults();
    final List<FlushListener> listeners = new ArrayList<>();
    String name = DEFAULT_NAME;
    int maxIdsPerCall = DEFAULT_MAX_IDS_PER_CALL;

    private Builder(UsageStatsStore store, UUID replicaId) {
      this.store = Objects.requireNonNull(store, "store");
      this.replicaId = Objects.requireNonNull(replicaId, "replicaId");
    }

    /**
     * @param interval time between flushes, from the clock; positive (default 1 minute)
     * @return this
     */
    public Builder flushInterval(Duration interval) {
      this.flushInterval = Objects.requireNonNull(interval, "flushInterval");
      return this;
    }

    /**
     * @param timeout real-time bound on one store call; positive (default 10 seconds). A call that
     *     times out is treated as a failure whose outcome is unknown.
     * @return this
     */
    public Builder flushTimeout(Duration timeout) {
      this.flushTimeout = Objects.requireNonNull(timeout, "flushTimeout");
      return this;
    }

    /**
     * @param timeout real-time budget of the final flush in {@code close()}, whose failed attempts
     *     are retried with a short backoff until it ends; positive (default 10 seconds)
     * @return this
     */
    public Builder shutdownTimeout(Duration timeout) {
      this.shutdownTimeout = Objects.requireNonNull(timeout, "shutdownTimeout");
      return this;
    }

    /**
     * Bounds the workspace and user ids one store call writes. A flush with more ids is split into
     * chunks, each written in its own transaction with its own sequence number (so each commits, or
     * is retried, on its own); the request counts go with the first chunk. A collection may land
     * between two chunks: each chunk's usage then lands in exactly one summary.
     *
     * @param n ids per store call; 1 to {@value #MAX_IDS_PER_CALL_LIMIT} (default {@value
     *     #DEFAULT_MAX_IDS_PER_CALL})
     * @return this
     */
    public Builder maxIdsPerCall(int n) {
      this.maxIdsPerCall = n;
      return this;
    }

    /**
     * @param clock the source of time and of the flush timer (default {@link Clock#system()})
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
     * Adds a listener that sees every flush; a listener that throws is logged and ignored.
     *
     * @param listener the listener
     * @return this
     */
    public Builder flushListener(FlushListener listener) {
      listeners.add(Objects.requireNonNull(listener, "flushListener"));
      return this;
    }

    /**
     * @param name the component name in stats, logs and thread names (default {@value
     *     #DEFAULT_NAME}); 1 to 40 letters, digits, {@code -} or {@code _}, checked by {@link
     *     #build()}
     * @return this
     */
    public Builder name(String name) {
      this.name = Objects.requireNonNull(name, "name");
      return this;
    }

    /**
     * Validates the options, builds the tracker and starts its flush timer.
     *
     * @return the running tracker
     * @throws IllegalArgumentException if an option is invalid (the message names it)
     */
    public UsageStatsTracker build() {
      Checks.positive(flushInterval, "flushInterval");
      Checks.positive(flushTimeout, "flushTimeout");
      Checks.positive(shutdownTimeout, "shutdownTimeout");
      Checks.name(name);
      if (maxIdsPerCall < 1 || maxIdsPerCall > MAX_IDS_PER_CALL_LIMIT) {
        throw new IllegalArgumentException(
            "maxIdsPerCall was "
                + maxIdsPerCall
                + " but must be between 1 and "
                + MAX_IDS_PER_CALL_LIMIT);
      }
      DefaultUsageStatsTracker tracker = new DefaultUsageStatsTracker(this);
      tracker.start();
      return tracker;
    }
  }
}
