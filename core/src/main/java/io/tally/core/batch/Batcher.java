package io.tally.core.batch;

import io.tally.core.Clock;
import io.tally.core.DropReasons;
import io.tally.core.FlushListener;
import io.tally.core.FlushResult;
import io.tally.core.HealthPolicy;
import io.tally.core.TallyComponent;
import io.tally.core.backend.Backend;
import io.tally.core.internal.Checks;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.ToIntFunction;
import org.jspecify.annotations.Nullable;

/**
 * A {@link Backend} that queues items and writes them to a {@link BatchStore} in batches, from one
 * worker thread, coalescing items with the same key on the way.
 *
 * <pre>{@code
 * Batcher<ConnectionEvent> batcher = Batcher.builder(connectionLogStore)
 *     .coalescing(ConnectionEvents.coalescing())
 *     .clock(clock)
 *     .build();                       // starts the worker and the flush timer
 * batcher.write(event);               // a queue offer
 * batcher.close();                    // writes what is left, within shutdownTimeout
 * }</pre>
 *
 * <p><b>Intake.</b> {@link #write(Object)} puts the item on a bounded queue and returns. When the
 * queue is full it waits up to {@code writeTimeout} for room, then throws {@link
 * java.util.concurrent.RejectedExecutionException}; the item counts as accepted and as dropped with
 * reason {@value DropReasons#QUEUE_FULL} (so the counters still add up), and the loss is logged at
 * ERROR. {@link #offer(Object, Duration)} is the same with a deadline of the caller's own,
 * returning {@code false} instead of throwing ({@value DropReasons#ENQUEUE_TIMEOUT}). After {@link
 * #close()} both throw {@link IllegalStateException} at once (the item is neither accepted nor
 * counted).
 *
 * <p><b>Flushing.</b> The worker drains the queue into the pending batch, coalescing by key as
 * items arrive, and flushes when the batch reaches {@code maxBatchSize} or when the flush timer
 * ({@code flushInterval}, from the {@link Clock}) fires. The timer task only wakes the worker;
 * every store call is started by the worker on one I/O thread and bounded by {@code flushTimeout},
 * so store calls never overlap (unless {@link Builder#parallelism(int)} asks for shards). While a
 * call runs the worker keeps draining the queue into the pending batch, so writers wait only when
 * the whole memory bound ({@code maxPendingItems} held by the worker, plus the queue) is used.
 *
 * <p><b>Failures.</b> What a failed batch becomes depends on the failure's {@link
 * io.tally.core.StoreException.Kind}. A transient failure (and, in {@link RetryMode#MERGE_BACK},
 * the default, any failure first): the batch merges back into the pending batch by key and is
 * retried with capped exponential backoff and jitter from the clock, for as long as it keeps
 * failing ({@link RetryPolicy#defaults()} has no limit; attempts and a deadline are opt-in). Memory
 * stays bounded meanwhile: at {@code maxPendingItems} the worker stops taking new items, so writers
 * block and then fail ({@value DropReasons#QUEUE_FULL}); items already accepted are given up only
 * by {@code close()} or an opt-in limit. A batch the store rejects for its data ({@code
 * Kind.DATA}), or that failed {@code Kind.UNKNOWN} three times in a row, is bisected until each bad
 * item is alone: the good items are written, each bad one is dropped ({@value
 * DropReasons#REJECTED}) and logged at ERROR with its coalescing key. Every item given up is
 * counted by reason in {@link #stats()} (the names in {@link DropReasons}) and logged at ERROR with
 * the count.
 *
 * <p><b>Closing.</b> {@link #close()} stops intake, drains the queue, gives each failed batch one
 * last attempt, writes what is pending, all within {@code shutdownTimeout} of real time even if the
 * store hangs; what it could not write is dropped ({@value DropReasons#SHUTDOWN}) and the final
 * {@link #stats()} tell what was written and what was not.
 *
 * @param <T> the item type
 */
public interface Batcher<T> extends Backend<T>, TallyComponent {

  /**
   * Starts a builder for a batcher in front of {@code store}.
   *
   * @param store where batches are written; must be idempotent (see {@link BatchStore})
   * @param <T> the item type
   * @return a builder with every option at its default
   * @throws NullPointerException if {@code store} is null
   */
  static <T> Builder<T> builder(BatchStore<T> store) {
    return new Builder<>(store);
  }

  /**
   * Queues {@code item} for the next batch. Never waits on the store.
   *
   * @param item the item
   * @throws NullPointerException if {@code item} is null
   * @throws IllegalStateException if the batcher is closed, also when {@code close()} began while
   *     this call waited for room; the item was then not taken and is not counted. A write that
   *     returns normally was queued before {@code close()} stopped intake, so {@code close()}
   *     writes it or reports it in {@link #stats()}
   * @throws java.util.concurrent.RejectedExecutionException if the queue stayed full for {@code
   *     writeTimeout} (the item is counted as dropped, reason {@value DropReasons#QUEUE_FULL}), or
   *     the waiting thread was interrupted (interrupt status kept; counted the same way)
   */
  @Override
  void write(T item);

  /**
   * Queues {@code item} for the next batch, waiting at most {@code maxWait} (real time) for room in
   * a full queue: a write with a budget of the caller's own, for callers that prefer losing an item
   * to waiting longer.
   *
   * @param item the item
   * @param maxWait how long to wait for room; zero or positive
   * @return true if the item was queued; false if there was no room in time (or the waiting thread
   *     was interrupted: interrupt status kept), the item then counts as accepted and as dropped
   *     with reason {@value DropReasons#ENQUEUE_TIMEOUT}
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code maxWait} is negative
   * @throws IllegalStateException if the batcher is closed (the item is not counted)
   */
  @Override
  boolean offer(T item, Duration maxWait);

  /**
   * Flushes now: the worker drains the queue and writes everything pending, and this call waits for
   * it (real time, bounded by twice the flush timeout). After {@link #close()} it does nothing and
   * returns {@link FlushResult#empty()}.
   *
   * @return what the flush did: {@code EMPTY} when nothing was pending (or the batcher is closed),
   *     {@code SUCCESS} with the rows written, or the first failure (the failed items are handled
   *     as in any failed flush)
   */
  FlushResult flush();

  /**
   * Waits until the worker thread has handled everything it was handed: every signal (a timer or
   * retry task that fell due, a {@link #flush()} request, the end of a store call), every queued
   * item it may take, and the store calls and flush listeners these started, so that no store call
   * is in flight; or until the batcher has stopped. For tests under a manual clock: the clock's
   * {@code advance} runs the batcher's due timer or retry task, which only wakes the worker; the
   * write happens on the worker, so a test calls this after {@code advance} and before it looks at
   * the store. Items other threads write meanwhile can make it wait longer.
   *
   * <p>The built-in batcher implements it; the default throws {@link
   * UnsupportedOperationException}.
   *
   * @param timeout how long to wait at most (real time); zero or positive
   * @return true once idle (or stopped); false if the timeout passed first or the waiting thread
   *     was interrupted (interrupt status kept)
   * @throws NullPointerException if {@code timeout} is null
   * @throws IllegalArgumentException if {@code timeout} is negative
   * @throws UnsupportedOperationException if this implementation cannot tell
   */
  default boolean awaitIdle(Duration timeout) {
    Checks.notNegative(timeout, "timeout");
    throw new UnsupportedOperationException(getClass().getName() + " cannot await idle");
  }

  /**
   * Stops intake and writes what is left within the shutdown timeout; see the class comment.
   * Idempotent; a second call waits for the first to finish (within the same bound).
   */
  @Override
  void close();

  /** Builds a {@link Batcher}; not thread-safe. Each setter checks its value at once. */
  final class Builder<T> {
    /** Default {@code maxBatchSize}: {@value}. */
    public static final int DEFAULT_MAX_BATCH_SIZE = 1000;

    /** Default {@code flushInterval}: 5 seconds. */
    public static final Duration DEFAULT_FLUSH_INTERVAL = Duration.ofSeconds(5);

    /** Default {@code writeTimeout} (how long a write waits for room in a full queue): 5 s. */
    public static final Duration DEFAULT_WRITE_TIMEOUT = Duration.ofSeconds(5);

    /** Default {@code flushTimeout} (bound on one store call): 10 seconds. */
    public static final Duration DEFAULT_FLUSH_TIMEOUT = Duration.ofSeconds(10);

    /** Default {@code shutdownTimeout}: 10 seconds. */
    public static final Duration DEFAULT_SHUTDOWN_TIMEOUT = Duration.ofSeconds(10);

    /** The largest {@code maxPendingItems}: {@value}. */
    public static final int MAX_PENDING_ITEMS_LIMIT = 10_000_000;

    /** Default {@code retryQueueCapacity} (failed batches held for retry): {@value}. */
    public static final int DEFAULT_RETRY_QUEUE_CAPACITY = 10;

    /** Default {@code maxPendingItems} is this many times {@code maxBatchSize}: {@value}. */
    public static final int DEFAULT_MAX_PENDING_BATCHES = 10;

    /** Default name: {@value}. */
    public static final String DEFAULT_NAME = "batcher";

    /** Default {@code parallelism}: {@value} (store calls never overlap). */
    public static final int DEFAULT_PARALLELISM = 1;

    /** The largest {@code parallelism}: {@value}. */
    public static final int MAX_PARALLELISM = PendingBound.MAX_SHARDS;

    final BatchStore<T> store;
    int maxBatchSize = DEFAULT_MAX_BATCH_SIZE;
    Duration flushInterval = DEFAULT_FLUSH_INTERVAL;
    int queueCapacity; // 0: maxBatchSize
    Coalescing<T> coalescing = Coalescing.none();
    RetryPolicy retryPolicy = RetryPolicy.defaults();
    @Nullable RetryMode retryMode; // null: MERGE_BACK
    int retryQueueCapacity = DEFAULT_RETRY_QUEUE_CAPACITY;
    int maxPendingItems; // 0: DEFAULT_MAX_PENDING_BATCHES * maxBatchSize
    Duration writeTimeout = DEFAULT_WRITE_TIMEOUT;
    Duration flushTimeout = DEFAULT_FLUSH_TIMEOUT;
    Duration shutdownTimeout = DEFAULT_SHUTDOWN_TIMEOUT;
    Clock clock = Clock.system();

    /** Real time for the blocking bounds (write, flush, shutdown timeouts); a seam for tests. */
    Clock realTime = Clock.system();

    HealthPolicy healthPolicy = HealthPolicy.defaults();
    final List<FlushListener> listeners = new ArrayList<>();
    @Nullable ToIntFunction<? super T> truncations; // null: items are never truncated
    String name = DEFAULT_NAME;
    int parallelism = DEFAULT_PARALLELISM;

    Builder(BatchStore<T> store) {
      this.store = Objects.requireNonNull(store, "store");
    }

    /**
     * @param n flush when the pending batch holds this many items; at least 1 (default {@value
     *     #DEFAULT_MAX_BATCH_SIZE}). Also the largest batch handed to the store.
     * @return this
     */
    public Builder<T> maxBatchSize(int n) {
      this.maxBatchSize = Checks.atLeast(n, 1, "maxBatchSize");
      return this;
    }

    /**
     * @param interval flush at least this often (timer from the clock, re-armed after every flush);
     *     positive (default 5 s)
     * @return this
     */
    public Builder<T> flushInterval(Duration interval) {
      this.flushInterval = Checks.positive(interval, "flushInterval");
      return this;
    }

    /**
     * @param n capacity of the intake queue; at least 1 (default: {@code maxBatchSize})
     * @return this
     */
    public Builder<T> queueCapacity(int n) {
      this.queueCapacity = Checks.atLeast(n, 1, "queueCapacity");
      return this;
    }

    /**
     * @param coalescing key and merge rule (default {@link Coalescing#none()})
     * @return this
     */
    public Builder<T> coalescing(Coalescing<T> coalescing) {
      this.coalescing = Objects.requireNonNull(coalescing, "coalescing");
      return this;
    }

    /**
     * @param policy how failed batches are retried (default {@link RetryPolicy#defaults()})
     * @return this
     */
    public Builder<T> retryPolicy(RetryPolicy policy) {
      this.retryPolicy = Objects.requireNonNull(policy, "retryPolicy");
      return this;
    }

    /**
     * @param mode what happens to a failed batch (default {@link RetryMode#MERGE_BACK})
     * @return this
     */
    public Builder<T> retryMode(RetryMode mode) {
      this.retryMode = Objects.requireNonNull(mode, "retryMode");
      return this;
    }

    /**
     * @param n failed batches held for retry in {@link RetryMode#RETRY_QUEUE}; at least 1 (default
     *     {@value #DEFAULT_RETRY_QUEUE_CAPACITY})
     * @return this
     */
    public Builder<T> retryQueueCapacity(int n) {
      this.retryQueueCapacity = Checks.atLeast(n, 1, "retryQueueCapacity");
      return this;
    }

    /**
     * Bounds what the worker holds: the most items (keyed and keyless together, the batch being
     * written, batches waiting for a retry and a batch being bisected included). Items pile up
     * there while the store fails or is slow. At the bound the worker takes a queued item only if
     * it merges into a pending item with the same key; otherwise it stops taking items, so writes
     * block and then fail with {@value DropReasons#QUEUE_FULL}, as on a full queue. At most {@code
     * maxPendingItems + queueCapacity} items are held in memory.
     *
     * @param n at least {@code maxBatchSize} (checked by {@link #build()}) and at most {@value
     *     #MAX_PENDING_ITEMS_LIMIT} (default {@value #DEFAULT_MAX_PENDING_BATCHES} × {@code
     *     maxBatchSize})
     * @return this
     * @throws IllegalArgumentException if {@code n} is below 1 or above the limit
     */
    public Builder<T> maxPendingItems(int n) {
      Checks.atLeast(n, 1, "maxPendingItems");
      if (n > MAX_PENDING_ITEMS_LIMIT) {
        throw new IllegalArgumentException(
            "maxPendingItems was " + n + " but must be <= " + MAX_PENDING_ITEMS_LIMIT);
      }
      this.maxPendingItems = n;
      return this;
    }

    /**
     * @param timeout how long {@code write} waits for room in a full queue before it throws; zero
     *     or positive, real time (default 5 s)
     * @return this
     */
    public Builder<T> writeTimeout(Duration timeout) {
      this.writeTimeout = Checks.notNegative(timeout, "writeTimeout");
      return this;
    }

    /**
     * @param timeout bound on one store call, real time; a call that runs longer is interrupted and
     *     counts as failed (default 10 s)
     * @return this
     */
    public Builder<T> flushTimeout(Duration timeout) {
      this.flushTimeout = Checks.positive(timeout, "flushTimeout");
      return this;
    }

    /**
     * @param timeout bound on {@code close()}, real time (default 10 s)
     * @return this
     */
    public Builder<T> shutdownTimeout(Duration timeout) {
      this.shutdownTimeout = Checks.positive(timeout, "shutdownTimeout");
      return this;
    }

    /**
     * @param clock source of time, flush timer and retry backoff (default {@link Clock#system()})
     * @return this
     */
    public Builder<T> clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /**
     * @param policy when {@link #health()} turns degraded or failing (default {@link
     *     HealthPolicy#defaults()})
     * @return this
     */
    public Builder<T> healthPolicy(HealthPolicy policy) {
      this.healthPolicy = Objects.requireNonNull(policy, "healthPolicy");
      return this;
    }

    /**
     * Sets how to read, from an item, how many of its values were truncated to a documented limit
     * before it reached the batcher (for connection events, {@code
     * ConnectionEvent::truncatedFields}); the batcher adds it up over the items it accepts and
     * reports the sum as {@link io.tally.core.ComponentStats#truncated()}. By default nothing is
     * counted. Called on the writing thread; it must be cheap and must not throw.
     *
     * @param perItem the truncated values of one item
     * @return this
     */
    public Builder<T> truncations(ToIntFunction<? super T> perItem) {
      this.truncations = Objects.requireNonNull(perItem, "truncations");
      return this;
    }

    /**
     * Adds a listener that sees every store call (flush or retry), on the worker thread (with
     * {@link #parallelism(int)} above 1, on the worker of the shard that made the call, so possibly
     * from several threads at once).
     *
     * @param listener the listener
     * @return this
     */
    public Builder<T> flushListener(FlushListener listener) {
      listeners.add(Objects.requireNonNull(listener, "flushListener"));
      return this;
    }

    /**
     * @param name the component's name in stats, logs and thread names ({@code tally-<name>-<n>});
     *     1 to 40 letters, digits, {@code -} or {@code _} (default {@value #DEFAULT_NAME})
     * @return this
     * @throws NullPointerException if null
     * @throws IllegalArgumentException if it breaks that rule
     */
    public Builder<T> name(String name) {
      this.name = Checks.name(name);
      return this;
    }

    /**
     * Writes on up to {@code n} store calls at once: the batcher runs {@code n} shards, each with
     * its own queue, worker and I/O thread, and sends each item to the shard its coalescing key
     * hashes to, so the items of one key always meet (and coalesce) in one shard and two calls
     * never write the same key at once. Keyless items are spread round-robin, so their order is not
     * kept across shards. The shards are one component: one {@link #stats()}, one {@link
     * #health()}, one memory bound ({@code maxPendingItems} for all of them together), the queue
     * capacity divided among them (rounded up); {@code flush()} and {@code close()} act on every
     * shard within their usual bounds. Flush listeners may then be called from several worker
     * threads at once.
     *
     * <p>The default is {@value #DEFAULT_PARALLELISM}, so a batcher built by hand calls its store
     * from one thread at a time, as {@link BatchStore} promises; choose more only for a store that
     * is safe to call concurrently (the built-in JDBC stores are; the {@code db} backend uses
     * {@code tally.batch.parallelism}) and that has a connection for each shard.
     *
     * @param n concurrent store calls; 1 to {@value #MAX_PARALLELISM}
     * @return this
     * @throws IllegalArgumentException if {@code n} is out of range
     */
    public Builder<T> parallelism(int n) {
      Checks.atLeast(n, 1, "parallelism");
      if (n > MAX_PARALLELISM) {
        throw new IllegalArgumentException(
            "parallelism was " + n + " but must be <= " + MAX_PARALLELISM);
      }
      this.parallelism = n;
      return this;
    }

    /**
     * Validates the options, starts the worker thread(s) and arms the flush timer(s).
     *
     * @return the running batcher
     * @throws IllegalArgumentException if {@code maxPendingItems < maxBatchSize}
     */
    public Batcher<T> build() {
      if (maxPendingItems != 0 && maxPendingItems < maxBatchSize) {
        throw new IllegalArgumentException(
            "maxPendingItems was "
                + maxPendingItems
                + " but must be >= maxBatchSize ("
                + maxBatchSize
                + ")");
      }
      return parallelism == 1 ? DefaultBatcher.start(this) : ShardedBatcher.start(this);
    }

    int effectiveQueueCapacity() {
      return queueCapacity == 0 ? maxBatchSize : queueCapacity;
    }

    int effectiveMaxPendingItems() {
      if (maxPendingItems != 0) {
        return maxPendingItems;
      }
      long n = (long) DEFAULT_MAX_PENDING_BATCHES * maxBatchSize;
      return (int) Math.min(Math.max(MAX_PENDING_ITEMS_LIMIT, maxBatchSize), n);
    }

    RetryMode effectiveRetryMode() {
      return retryMode != null ? retryMode : RetryMode.MERGE_BACK;
    }
  }
}
