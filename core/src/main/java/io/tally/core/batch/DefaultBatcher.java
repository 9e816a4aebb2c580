package io.tally.core.batch;

import io.tally.core.Clock;
import io.tally.core.ComponentStats;
import io.tally.core.DropReasons;
import io.tally.core.FlushResult;
import io.tally.core.Health;
import io.tally.core.internal.Checks;
import io.tally.core.internal.FailureTracker;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.ToIntFunction;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link Batcher} implementation: the application side and the lifecycle; the worker loop is
 * {@link BatchWorker}, and the state it works on lives in small classes: {@link PendingBatch} (the
 * items), {@link Isolation} (bisection of a rejected batch), {@link FlushTimer} and {@link
 * RetryBackoff} (when to write), and {@link BatchCounters} (what happened).
 *
 * <p>Implementation notes. Application threads only offer to the {@link Intake}. One worker thread
 * owns everything else and starts every store call, on one I/O thread, without waiting for it:
 * while a call runs, the worker keeps draining the intake into the pending batch (coalescing), so
 * writers block only when the whole bound ({@code maxPendingItems}, the call's items included) is
 * used. The worker wakes when the call ends ({@link Intake#DONE}) or when its real-time bound
 * ({@code flushTimeout}) passes; then the call is cancelled (interrupted if it runs, never started
 * if it still waits behind an earlier call that ignored its interrupt), so store calls never
 * overlap. Clock tasks (timer, retry) only set a signal bit on the intake. No lock is held across
 * I/O. {@code close()} publishes its deadlines before any thread can see that it began; the worker
 * then makes the last attempts synchronously, and {@code close()} interrupts it if the shutdown
 * time is nearly spent.
 *
 * <p>A {@link ShardedBatcher} runs several of these as shards of one batcher: each has its own
 * intake, worker and I/O thread, and they share the memory bound, the failure tracker and the flush
 * listeners ({@link ShardContext}).
 */
final class DefaultBatcher<T> implements Batcher<T> {
  private static final Logger log = LoggerFactory.getLogger(Batcher.class);

  /** How often {@link #awaitIdle} looks again. */
  private static final long IDLE_POLL_NANOS = 200_000;

  private final String name;
  private final RetryMode retryMode;
  private final Duration writeTimeout;
  private final Duration flushTimeout;
  private final Duration shutdownTimeout;
  private final Clock real;
  private final FailureTracker failures;
  private final ShardContext shard;
  private final Intake<T> intake;
  private final BatchWorker<T> work;
  private final Thread worker;
  private final Object closeLock = new Object();
  private final ConcurrentLinkedQueue<CompletableFuture<FlushResult>> flushRequests =
      new ConcurrentLinkedQueue<>();
  private final BatchCounters counters;
  private final ToIntFunction<? super T> truncations;

  /** True once close() began (or the worker died): write() throws. */
  private volatile boolean closed;

  /**
   * The shutdown deadlines, published in one write once close() computed them: a thread that sees
   * close begin (this is non-null) always sees its deadlines. Null until close().
   */
  private volatile CloseDeadlines closing;

  private DefaultBatcher(Batcher.Builder<T> b, ShardContext shard) {
    this.name = b.name;
    this.shard = shard;
    this.counters = new BatchCounters(name, log, shard.bound());
    this.truncations = b.truncations;
    this.retryMode = b.effectiveRetryMode();
    this.writeTimeout = b.writeTimeout;
    this.flushTimeout = b.flushTimeout;
    this.shutdownTimeout = b.shutdownTimeout;
    this.real = b.realTime;
    this.failures = shard.failures();
    this.intake = new Intake<>(shard.queueCapacity());
    shard.bound().onRoom(shard.index(), () -> intake.signal(Intake.ROOM));
    this.work = new BatchWorker<>(b, shard, this, intake, counters, flushRequests, log);
    this.worker = shard.workers().newThread(work::run);
  }

  static <T> DefaultBatcher<T> start(Batcher.Builder<T> builder) {
    return start(builder, ShardContext.alone(builder, log));
  }

  /** Starts one shard of a batcher (or its only one). */
  static <T> DefaultBatcher<T> start(Batcher.Builder<T> builder, ShardContext shard) {
    DefaultBatcher<T> b = new DefaultBatcher<>(builder, shard);
    b.work.armTimer(); // armed before build() returns
    b.worker.start();
    return b;
  }

  // ---------------------------------------------------------------- application threads

  @Override
  public void write(T item) {
    Objects.requireNonNull(item, "item");
    int r = intake.offer(item);
    if (r == Intake.FULL) {
      r = counters.offerWaiting(intake, item, writeTimeout, DropReasons.QUEUE_FULL);
    }
    if (r == Intake.CLOSED) {
      // The intake refuses offers under its lock once closed, so an item is either queued
      // before the worker's final drain (which runs after intake.close()) or refused here.
      throw new IllegalStateException(name + " is closed");
    }
    counters.truncated(truncations, item);
    if (r == Intake.FULL) {
      throw new RejectedExecutionException(
          name
              + ": the queue stayed full for writeTimeout "
              + writeTimeout
              + " (or the waiting thread was interrupted); the item is dropped");
    }
  }

  @Override
  public boolean offer(T item, Duration maxWait) {
    Objects.requireNonNull(item, "item");
    Checks.notNegative(maxWait, "maxWait");
    int r = intake.offer(item);
    if (r == Intake.FULL) {
      r = counters.offerWaiting(intake, item, maxWait, DropReasons.ENQUEUE_TIMEOUT);
    }
    if (r == Intake.CLOSED) {
      throw new IllegalStateException(name + " is closed");
    }
    counters.truncated(truncations, item);
    return r == Intake.OFFERED;
  }

  @Override
  public FlushResult flush() {
    if (closed || isWorker()) {
      return FlushResult.empty();
    }
    return FlushRound.await(requestFlush(), flushWait(), real);
  }

  /** How long {@code flush()} waits: twice the flush timeout plus a second. */
  Duration flushWait() {
    return flushTimeout.multipliedBy(2).plusSeconds(1);
  }

  /** Asks the worker for a flush; the future completes with what it did. */
  CompletableFuture<FlushResult> requestFlush() {
    CompletableFuture<FlushResult> done = new CompletableFuture<>();
    flushRequests.add(done);
    intake.signal(Intake.FLUSH);
    if (closed) { // the shutdown may have emptied the requests before this one came
      done.complete(FlushResult.empty());
    }
    return done;
  }

  /** True on this batcher's worker thread (a flush listener runs there). */
  boolean isWorker() {
    return Thread.currentThread() == worker;
  }

  @Override
  public void close() {
    CloseDeadlines d = beginClose(real.nanoTime());
    if (isWorker()) {
      return; // called from a flush listener; the worker closes once the listener returns
    }
    awaitClosed(d);
  }

  /**
   * Stops intake and tells the worker to close, with deadlines from {@code now} (real nanos);
   * returns the deadlines (those of the first call). Does not wait.
   */
  CloseDeadlines beginClose(long now) {
    synchronized (closeLock) {
      if (closing == null) {
        closing = CloseDeadlines.from(now, shutdownTimeout);
        closed = true;
        intake.close();
        intake.signal(Intake.CLOSE);
      }
      return closing;
    }
  }

  /** Waits for the worker to close by the deadlines, interrupting it when it is late. */
  void awaitClosed(CloseDeadlines d) {
    try {
      if (!work.terminated.await(d.worker() - real.nanoTime(), TimeUnit.NANOSECONDS)) {
        worker.interrupt(); // stuck waiting for a store call: give up on it
        if (!work.terminated.await(d.close() - real.nanoTime(), TimeUnit.NANOSECONDS)) {
          log.error(
              "{}: close() did not finish within shutdownTimeout {}; what is left is reported"
                  + " in stats() once the worker stops",
              name,
              shutdownTimeout);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public Health health() {
    return failures.health();
  }

  @Override
  public ComponentStats stats() {
    return counters.snapshot(intake, failures, shard.listenerFailures());
  }

  /** True when the worker waits with nothing to do and no store call running; for tests. */
  boolean isIdle() {
    return work.isIdle();
  }

  @Override
  public boolean awaitIdle(Duration timeout) {
    return awaitIdle(this::isIdle, timeout, real);
  }

  /**
   * Waits until {@code idle} holds, polling; a test hook, so a short poll keeps the intake
   * untouched.
   */
  static boolean awaitIdle(BooleanSupplier idle, Duration timeout, Clock real) {
    Checks.notNegative(timeout, "timeout");
    long start = real.nanoTime();
    long budget = StoreCalls.saturatedNanos(timeout);
    while (!idle.getAsBoolean()) {
      if (real.nanoTime() - start >= budget || Thread.currentThread().isInterrupted()) {
        return false;
      }
      LockSupport.parkNanos(IDLE_POLL_NANOS);
    }
    return true;
  }

  /** The deadlines of close(), or null before it began; read by the worker. */
  @Nullable CloseDeadlines closing() {
    return closing;
  }

  /** The worker failed: writes are refused from now on. */
  void workerDied() {
    closed = true;
  }

  @Override
  public String toString() {
    return "Batcher{" + name + ", " + retryMode + ", " + stats() + '}';
  }
}
