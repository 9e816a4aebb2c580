package io.tally.core.connectionlog;

import io.tally.core.Clock;
import io.tally.core.FlushListener;
import io.tally.core.FlushResult;
import io.tally.core.HealthPolicy;
import io.tally.core.TallyComponent;
import io.tally.core.internal.Checks;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Deletes old connection-log rows in the background: every {@linkplain Builder#interval(Duration)
 * interval} it takes the store's retention lock ({@link ConnectionLogStore#tryLockRetention()})
 * and, if it gets it, deletes the rows whose connect time is before {@code now - retention}, oldest
 * first, in batches of {@linkplain Builder#batchSize(int) batch size} rows, each batch one short
 * transaction ({@link ConnectionLogStore#deleteOlderThan(Instant, int)}).
 *
 * <pre>{@code
 * ConnectionLogRetention retention =
 *     ConnectionLogRetention.builder(store, Duration.ofDays(90)).build(); // starts its timer
 * retention.runOnce();   // a run now, e.g. from an admin endpoint
 * retention.close();     // stops the timer
 * }</pre>
 *
 * <p>A run ends when a batch deletes fewer rows than the batch size (nothing older is left), when
 * its time budget ({@linkplain Builder#runBudget(Duration) real time}) is spent, or when the store
 * fails; then the lock is released and the timer re-armed. A run always deletes at least one batch
 * when it holds the lock. Only one replica runs at a time: a replica that cannot take the lock
 * skips the run. A row with a connect time equal to the cutoff stays; a session without a
 * disconnect is deleted by its connect time.
 *
 * <p>{@link #stats()}: {@code flushedRows} (and {@code accepted}) count the rows deleted, {@code
 * flushes} the runs that deleted at least one row, {@code failedFlushes} the runs that failed or
 * ran out of time in a store call. {@link #health()} follows the {@link HealthPolicy}. Flush
 * listeners see every run, with the rows it deleted, except the runs skipped because another
 * replica held the lock.
 */
public interface ConnectionLogRetention extends TallyComponent {

  /**
   * Starts building a retention component over {@code store}.
   *
   * @param store the connection-log store; must implement {@link
   *     ConnectionLogStore#deleteOlderThan(Instant, int)} and {@link
   *     ConnectionLogStore#tryLockRetention()} (checked by {@link Builder#build()})
   * @param retention how long rows are kept, counted from their connect time; positive
   * @return a builder with every other option at its default
   * @throws NullPointerException if an argument is null
   */
  static Builder builder(ConnectionLogStore store, Duration retention) {
    return new Builder(store, retention);
  }

  /**
   * Runs retention now: takes the lock, deletes batches until nothing older than the cutoff is
   * left, the time budget is spent or the store fails, and releases the lock. Waits for a run in
   * progress (the timer's or another caller's) first. After {@link #close()} it does nothing.
   *
   * @return what the run did
   */
  Run runOnce();

  /**
   * Runs retention now; the same as {@link #runOnce()}.
   *
   * @return {@link #runOnce()}'s {@link Run#result()}
   */
  FlushResult flush();

  /** Stops the timer and waits, up to the shutdown timeout (real time), for a run in progress. */
  @Override
  void close();

  /**
   * What one run did. Immutable.
   *
   * @param locked whether this replica held the lock (false: another replica had it, or the run
   *     could not ask; nothing was deleted)
   * @param cutoff rows connected before it were to be deleted
   * @param batches store calls made ({@link ConnectionLogStore#deleteOlderThan}), failed ones
   *     included
   * @param rowsDeleted rows the successful calls deleted
   * @param complete true when a batch deleted fewer rows than the batch size: nothing older than
   *     the cutoff was left
   * @param result the outcome as a flush: {@code SUCCESS} with the rows deleted, {@code EMPTY} when
   *     nothing was deleted (or the lock was held elsewhere), {@code FAILED} or {@code TIMED_OUT}
   */
  record Run(
      boolean locked,
      Instant cutoff,
      int batches,
      long rowsDeleted,
      boolean complete,
      FlushResult result) {
    /**
     * Checks the fields.
     *
     * @param locked whether this replica held the lock (false: another replica had it, or the run
     *     could not ask; nothing was deleted)
     * @param cutoff rows connected before it were to be deleted
     * @param batches store calls made ({@link ConnectionLogStore#deleteOlderThan}), failed ones
     *     included
     * @param rowsDeleted rows the successful calls deleted
     * @param complete true when a batch deleted fewer rows than the batch size: nothing older than
     *     the cutoff was left
     * @param result the outcome as a flush: {@code SUCCESS} with the rows deleted, {@code EMPTY}
     *     when nothing was deleted (or the lock was held elsewhere), {@code FAILED} or {@code
     *     TIMED_OUT}
     * @throws NullPointerException if {@code cutoff} or {@code result} is null
     */
    public Run {
      Objects.requireNonNull(cutoff, "cutoff");
      Objects.requireNonNull(result, "result");
    }
  }

  /**
   * Builds a {@link ConnectionLogRetention}. Not thread-safe; {@link #build()} starts the timer.
   */
  final class Builder {
    /** Default {@link #interval(Duration)}: 10 minutes. */
    public static final Duration DEFAULT_INTERVAL = Duration.ofMinutes(10);

    /** Default {@link #batchSize(int)}: {@value}. */
    public static final int DEFAULT_BATCH_SIZE = 10_000;

    /** The largest {@link #batchSize(int)}: {@value}. */
    public static final int MAX_BATCH_SIZE = 100_000;

    /** Default {@link #runBudget(Duration)}: 1 minute. */
    public static final Duration DEFAULT_RUN_BUDGET = Duration.ofMinutes(1);

    /** Default {@link #callTimeout(Duration)}: 30 seconds. */
    public static final Duration DEFAULT_CALL_TIMEOUT = Duration.ofSeconds(30);

    /** Default {@link #shutdownTimeout(Duration)}: 10 seconds. */
    public static final Duration DEFAULT_SHUTDOWN_TIMEOUT = Duration.ofSeconds(10);

    /** Default {@link #name(String)}: {@value}. */
    public static final String DEFAULT_NAME = "connection-log-retention";

    final ConnectionLogStore store;
    final Duration retention;
    Duration interval = DEFAULT_INTERVAL;
    int batchSize = DEFAULT_BATCH_SIZE;
    Duration runBudget = DEFAULT_RUN_BUDGET;
    Duration callTimeout = DEFAULT_CALL_TIMEOUT;
    Duration shutdownTimeout = DEFAULT_SHUTDOWN_TIMEOUT;
    Clock clock = Clock.system();
    HealthPolicy healthPolicy = HealthPolicy.defaults();
    final List<FlushListener> listeners = new ArrayList<>();
    String name = DEFAULT_NAME;

    private Builder(ConnectionLogStore store, Duration retention) {
      this.store = Objects.requireNonNull(store, "store");
      this.retention = Objects.requireNonNull(retention, "retention");
    }

    /**
     * Sets how long after a run ended the next one starts (measured on the clock).
     *
     * @param interval positive; default {@link #DEFAULT_INTERVAL}
     * @return this
     * @throws NullPointerException if null
     */
    public Builder interval(Duration interval) {
      this.interval = Objects.requireNonNull(interval, "interval");
      return this;
    }

    /**
     * Sets the most rows one delete statement (one transaction) removes.
     *
     * @param batchSize 1 to {@value #MAX_BATCH_SIZE}, checked by {@link #build()}; default {@value
     *     #DEFAULT_BATCH_SIZE}
     * @return this
     */
    public Builder batchSize(int batchSize) {
      this.batchSize = batchSize;
      return this;
    }

    /**
     * Sets the real-time budget of one run: no batch starts after it is spent (the first batch
     * always runs), so a run takes at most the budget plus one {@linkplain #callTimeout(Duration)
     * call timeout}. The next run goes on where this one stopped.
     *
     * @param runBudget positive; default {@link #DEFAULT_RUN_BUDGET}
     * @return this
     * @throws NullPointerException if null
     */
    public Builder runBudget(Duration runBudget) {
      this.runBudget = Objects.requireNonNull(runBudget, "runBudget");
      return this;
    }

    /**
     * Sets how long (real time) one store call, taking the lock or one batch, may take before the
     * run counts as timed out. The call is interrupted; a store that ignores the interrupt runs it
     * to its end, and the lock is released only after it.
     *
     * @param callTimeout positive; default {@link #DEFAULT_CALL_TIMEOUT}
     * @return this
     * @throws NullPointerException if null
     */
    public Builder callTimeout(Duration callTimeout) {
      this.callTimeout = Objects.requireNonNull(callTimeout, "callTimeout");
      return this;
    }

    /**
     * Sets the real-time bound on {@link ConnectionLogRetention#close()} waiting for a run.
     *
     * @param shutdownTimeout positive; default {@link #DEFAULT_SHUTDOWN_TIMEOUT}
     * @return this
     * @throws NullPointerException if null
     */
    public Builder shutdownTimeout(Duration shutdownTimeout) {
      this.shutdownTimeout = Objects.requireNonNull(shutdownTimeout, "shutdownTimeout");
      return this;
    }

    /**
     * Sets where the cutoff's "now" and the run timer come from.
     *
     * @param clock default {@link Clock#system()}
     * @return this
     * @throws NullPointerException if null
     */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /**
     * Sets when {@link ConnectionLogRetention#health()} reports degraded or failing.
     *
     * @param healthPolicy default {@link HealthPolicy#defaults()}
     * @return this
     * @throws NullPointerException if null
     */
    public Builder healthPolicy(HealthPolicy healthPolicy) {
      this.healthPolicy = Objects.requireNonNull(healthPolicy, "healthPolicy");
      return this;
    }

    /**
     * Adds a listener that sees every run not skipped for the lock. Listeners run in the order
     * added, on the running thread.
     *
     * @param flushListener the listener
     * @return this
     * @throws NullPointerException if null
     */
    public Builder flushListener(FlushListener flushListener) {
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
    public Builder name(String name) {
      this.name = Objects.requireNonNull(name, "name");
      return this;
    }

    /**
     * Validates the options, builds the component and starts its timer (the first run is one
     * interval away).
     *
     * @return the running component
     * @throws IllegalArgumentException naming the option and value, if a duration is not positive,
     *     the batch size is out of range, the name breaks its rule, or the store does not implement
     *     the retention methods of {@link ConnectionLogStore}
     */
    public ConnectionLogRetention build() {
      Checks.positive(retention, "retention");
      Checks.positive(interval, "interval");
      Checks.positive(runBudget, "runBudget");
      Checks.positive(callTimeout, "callTimeout");
      Checks.positive(shutdownTimeout, "shutdownTimeout");
      Checks.atLeast(batchSize, 1, "batchSize");
      if (batchSize > MAX_BATCH_SIZE) {
        throw new IllegalArgumentException(
            "batchSize was " + batchSize + " but must be at most " + MAX_BATCH_SIZE);
      }
      Checks.name(name);
      requireRetentionMethods(store);
      DefaultConnectionLogRetention r = new DefaultConnectionLogRetention(this);
      r.start();
      return r;
    }

    /** Fails at build time, not at the first run, when the store lacks a retention method. */
    private static void requireRetentionMethods(ConnectionLogStore store) {
      List<String> missing = new ArrayList<>();
      try {
        if (declaredByInterface(store, "deleteOlderThan", Instant.class, int.class)) {
          missing.add("deleteOlderThan(Instant, int)");
        }
        if (declaredByInterface(store, "tryLockRetention")) {
          missing.add("tryLockRetention()");
        }
      } catch (NoSuchMethodException e) {
        throw new IllegalStateException("ConnectionLogStore lost a retention method", e);
      }
      if (!missing.isEmpty()) {
        throw new IllegalArgumentException(
            "store was "
                + store.getClass().getName()
                + " but connection-log retention needs a store that implements ConnectionLogStore."
                + String.join(" and ConnectionLogStore.", missing));
      }
    }

    private static boolean declaredByInterface(
        ConnectionLogStore store, String method, Class<?>... parameters)
        throws NoSuchMethodException {
      return store.getClass().getMethod(method, parameters).getDeclaringClass()
          == ConnectionLogStore.class;
    }
  }
}
