package io.tally.core.lastused;

import io.tally.core.Clock;
import io.tally.core.ComponentStats;
import io.tally.core.DropReasons;
import io.tally.core.FlushListener;
import io.tally.core.FlushResult;
import io.tally.core.Health;
import io.tally.core.HealthPolicy;
import io.tally.core.TallyComponent;
import io.tally.core.internal.Checks;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Remembers, in memory, when each id was last used, and writes the latest time per id to a {@link
 * LastUsedStore} in one call every {@link Builder#flushInterval(Duration) flush interval}.
 *
 * <pre>{@code
 * LastUsedTracker<UUID> tracker = LastUsedTracker.builder(store)
 *     .flushInterval(Duration.ofSeconds(60))
 *     .build();                       // starts the flush timer
 * tracker.markUsed(workspaceId);      // O(1), never waits on the database
 * tracker.close();                    // final flush, bounded by the shutdown timeout
 * }</pre>
 *
 * <p>{@link #markUsed(Object)} is safe from any thread, costs about one concurrent-map update,
 * takes no lock and does no I/O. A failed or timed-out flush loses nothing: its entries go back
 * into memory (the latest time per id wins) and out with the next flush. See the package
 * documentation for the guarantees in detail.
 *
 * @param <K> the id type; ids need consistent {@code equals}/{@code hashCode} (the built-in stores
 *     take {@link java.util.UUID}, {@link Long} and {@link String})
 */
public interface LastUsedTracker<K> extends TallyComponent {

  /**
   * Starts building a tracker that writes to {@code store}.
   *
   * @param store where flushes write
   * @param <K> the id type
   * @return a builder with every option at its default
   * @throws NullPointerException if {@code store} is null
   */
  static <K> Builder<K> builder(LastUsedStore<K> store) {
    return new Builder<>(store);
  }

  /**
   * Marks {@code id} as used now (the tracker's clock is read only in {@link
   * TimestampMode#EVENT_TIME}).
   *
   * @param id the id that was used
   * @throws NullPointerException if {@code id} is null
   * @throws IllegalArgumentException if a {@code String} id breaks the {@linkplain
   *     io.tally.core.InputRules input rules} (NUL, a lone surrogate, longer than {@value
   *     io.tally.core.InputRules#MAX_ID_LENGTH}), or the clock's time is outside the storable
   *     range; nothing is recorded then
   * @throws IllegalStateException if the tracker is closed, also when {@link #close()} finished
   *     while this call ran (the mark then counts as accepted and as dropped, reason {@value
   *     DropReasons#SHUTDOWN}, so it is never left pending silently)
   */
  void markUsed(K id);

  /**
   * Marks {@code id} as used at {@code at}. An earlier time than the one held for {@code id}
   * changes nothing.
   *
   * @param id the id that was used
   * @param at when it was used; stored truncated to the microsecond
   * @throws NullPointerException if {@code id} or {@code at} is null
   * @throws IllegalArgumentException if {@code at} is outside {@link
   *     io.tally.core.InputRules#MIN_TIME}..{@link io.tally.core.InputRules#MAX_TIME} or the id
   *     breaks the input rules (see {@link #markUsed(Object)}); nothing is recorded then
   * @throws IllegalStateException if the tracker is closed (see {@link #markUsed(Object)})
   */
  void markUsed(K id, Instant at);

  /**
   * Writes everything marked so far now, and reports what happened. If a flush is already running
   * (the timer's, or another caller's), this call waits for it and then makes its own, so the
   * result covers every {@code markUsed} that returned before this call. Bounded by the flush
   * timeout (twice, at worst, when it had to wait). After {@link #close()} it does nothing and
   * returns {@link FlushResult#empty()}.
   *
   * @return the outcome: {@code EMPTY} when nothing was pending (the store was not called), {@code
   *     SUCCESS}, {@code FAILED} or {@code TIMED_OUT} (the entries are kept)
   */
  FlushResult flush();

  /**
   * Returns this tracker's counters. They keep {@code accepted == flushedRows + coalesced + pending
   * + droppedTotal} exactly in every snapshot taken while no {@code markUsed} call is running, also
   * in the middle of a flush (the flush moves its counters under the lock this method reads them
   * under). A {@code markUsed} running at the moment of the snapshot may be counted as accepted a
   * moment before its entry shows as pending: the hot path takes no lock.
   *
   * @return an immutable snapshot
   */
  @Override
  ComponentStats stats();

  /**
   * Returns the health derived from recent flushes and the {@link HealthPolicy}.
   *
   * @return {@code HEALTHY}, {@code DEGRADED} or {@code FAILING}
   */
  @Override
  Health health();

  /**
   * Stops the timer and makes a final flush, all within the shutdown timeout (real time): a failed
   * attempt (each bounded by the flush timeout) is retried with a short backoff while the budget
   * lasts. What is still not written when it ends is counted in {@code stats().dropped()} under
   * {@value DropReasons#SHUTDOWN} and logged at ERROR with the count. Idempotent; never throws for
   * a store failure.
   */
  @Override
  void close();

  /**
   * Builds a {@link LastUsedTracker}. Not thread-safe; {@link #build()} validates every option and
   * starts the tracker's timer.
   *
   * @param <K> the id type
   */
  final class Builder<K> {
    /** Default {@link #flushInterval(Duration)}: 60 seconds. */
    public static final Duration DEFAULT_FLUSH_INTERVAL = Duration.ofSeconds(60);

    /** Default {@link #flushTimeout(Duration)}: 10 seconds. */
    public static final Duration DEFAULT_FLUSH_TIMEOUT = Duration.ofSeconds(10);

    /** Default {@link #shutdownTimeout(Duration)}: 10 seconds. */
    public static final Duration DEFAULT_SHUTDOWN_TIMEOUT = Duration.ofSeconds(10);

    /** Default {@link #timestampMode(TimestampMode)}. */
    public static final TimestampMode DEFAULT_TIMESTAMP_MODE = TimestampMode.EVENT_TIME;

    /** Default {@link #name(String)}: {@value}. */
    public static final String DEFAULT_NAME = "last-used";

    final LastUsedStore<K> store;
    Duration flushInterval = DEFAULT_FLUSH_INTERVAL;
    Duration flushTimeout = DEFAULT_FLUSH_TIMEOUT;
    Duration shutdownTimeout = DEFAULT_SHUTDOWN_TIMEOUT;
    TimestampMode timestampMode = DEFAULT_TIMESTAMP_MODE;
    Clock clock = Clock.system();
    HealthPolicy healthPolicy = HealthPolicy.defaults();
    final List<FlushListener> listeners = new ArrayList<>();
    String name = DEFAULT_NAME;

    private Builder(LastUsedStore<K> store) {
      this.store = Objects.requireNonNull(store, "store");
    }

    /**
     * Sets how long after the previous flush ended the timer flushes again (measured on the clock).
     *
     * @param flushInterval positive; default {@link #DEFAULT_FLUSH_INTERVAL}
     * @return this
     * @throws NullPointerException if null
     */
    public Builder<K> flushInterval(Duration flushInterval) {
      this.flushInterval = Objects.requireNonNull(flushInterval, "flushInterval");
      return this;
    }

    /**
     * Sets how long (real time) one store call may take before the flush counts as timed out and
     * its entries are kept for the next one.
     *
     * @param flushTimeout positive; default {@link #DEFAULT_FLUSH_TIMEOUT}
     * @return this
     * @throws NullPointerException if null
     */
    public Builder<K> flushTimeout(Duration flushTimeout) {
      this.flushTimeout = Objects.requireNonNull(flushTimeout, "flushTimeout");
      return this;
    }

    /**
     * Sets the real-time bound on {@link LastUsedTracker#close()}: waiting for a running flush plus
     * the final flush.
     *
     * @param shutdownTimeout positive; default {@link #DEFAULT_SHUTDOWN_TIMEOUT}
     * @return this
     * @throws NullPointerException if null
     */
    public Builder<K> shutdownTimeout(Duration shutdownTimeout) {
      this.shutdownTimeout = Objects.requireNonNull(shutdownTimeout, "shutdownTimeout");
      return this;
    }

    /**
     * Sets which time is written for each id.
     *
     * @param timestampMode default {@link TimestampMode#EVENT_TIME}
     * @return this
     * @throws NullPointerException if null
     */
    public Builder<K> timestampMode(TimestampMode timestampMode) {
      this.timestampMode = Objects.requireNonNull(timestampMode, "timestampMode");
      return this;
    }

    /**
     * Sets where time and the flush timer come from.
     *
     * @param clock default {@link Clock#system()}
     * @return this
     * @throws NullPointerException if null
     */
    public Builder<K> clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /**
     * Sets when {@link LastUsedTracker#health()} reports degraded or failing.
     *
     * @param healthPolicy default {@link HealthPolicy#defaults()}
     * @return this
     * @throws NullPointerException if null
     */
    public Builder<K> healthPolicy(HealthPolicy healthPolicy) {
      this.healthPolicy = Objects.requireNonNull(healthPolicy, "healthPolicy");
      return this;
    }

    /**
     * Adds a listener that sees every flush, including empty ones. May be called repeatedly;
     * listeners run in the order added, on the flushing thread.
     *
     * @param flushListener the listener
     * @return this
     * @throws NullPointerException if null
     */
    public Builder<K> flushListener(FlushListener flushListener) {
      listeners.add(Objects.requireNonNull(flushListener, "flushListener"));
      return this;
    }

    /**
     * Sets the component's name, used in stats, logs, listener calls and thread names.
     *
     * @param name 1 to 40 letters, digits, {@code -} or {@code _}, checked by {@link #build()};
     *     default {@value #DEFAULT_NAME}
     * @return this
     * @throws NullPointerException if null
     */
    public Builder<K> name(String name) {
      this.name = Objects.requireNonNull(name, "name");
      return this;
    }

    /**
     * Validates the options, builds the tracker and starts its flush timer.
     *
     * @return the running tracker
     * @throws IllegalArgumentException naming the option and value, if a duration is not positive
     *     or the name breaks its rule
     */
    public LastUsedTracker<K> build() {
      Checks.positive(flushInterval, "flushInterval");
      Checks.positive(flushTimeout, "flushTimeout");
      Checks.positive(shutdownTimeout, "shutdownTimeout");
      Checks.name(name);
      DefaultLastUsedTracker<K> tracker = new DefaultLastUsedTracker<>(this);
      tracker.start();
      return tracker;
    }
  }
}
