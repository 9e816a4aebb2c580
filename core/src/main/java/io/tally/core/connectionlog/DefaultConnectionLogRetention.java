package io.tally.core.connectionlog;

import io.tally.core.Clock;
import io.tally.core.ComponentStats;
import io.tally.core.FlushResult;
import io.tally.core.Health;
import io.tally.core.InputRules;
import io.tally.core.internal.FailureTracker;
import io.tally.core.internal.FlushListeners;
import io.tally.core.internal.RepeatingTimer;
import io.tally.core.internal.TallyThreadFactory;
import io.tally.core.internal.TimedCall;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link ConnectionLogRetention} implementation.
 *
 * <p>Implementation notes. Runs are serialised by {@link #runLock}. Every store call (taking the
 * lock, each delete, releasing the lock) runs on one I/O thread, each bounded by the call timeout
 * through {@link TimedCall}; the release is queued on that thread too, so a delete that outlived
 * its timeout still runs under the lock, and the lock is released only after it.
 */
final class DefaultConnectionLogRetention implements ConnectionLogRetention {
  private static final Logger log = LoggerFactory.getLogger(ConnectionLogRetention.class);

  /** Marks a lock request the run stopped waiting for. */
  private static final Object ABANDONED = new Object();

  /** Real time, for the run budget and the shutdown timeout (bounds, not schedules). */
  private static final Clock REAL_TIME = Clock.system();

  private final ConnectionLogStore store;
  private final String name;
  private final Duration retention;
  private final Duration interval;
  private final int batchSize;
  private final Duration runBudget;
  private final Duration callTimeout;
  private final Duration shutdownTimeout;
  private final Clock clock;
  private final FailureTracker failures;
  private final FlushListeners listeners;
  private final ExecutorService io;

  private final ReentrantLock runLock = new ReentrantLock();
  private final RepeatingTimer timer;
  private volatile boolean closed;
  private final AtomicBoolean closeStarted = new AtomicBoolean();

  private final AtomicLong purged = new AtomicLong();
  private final AtomicLong runs = new AtomicLong();
  private final AtomicLong failedRuns = new AtomicLong();

  DefaultConnectionLogRetention(ConnectionLogRetention.Builder b) {
    this.store = b.store;
    this.name = b.name;
    this.retention = b.retention;
    this.interval = b.interval;
    this.batchSize = b.batchSize;
    this.runBudget = b.runBudget;
    this.callTimeout = b.callTimeout;
    this.shutdownTimeout = b.shutdownTimeout;
    this.clock = b.clock;
    this.failures = new FailureTracker(name, log, clock, b.healthPolicy);
    this.listeners = new FlushListeners(name, b.listeners);
    this.io = Executors.newSingleThreadExecutor(new TallyThreadFactory(name));
    this.timer = new RepeatingTimer(clock, interval, this::runOnce, name, log);
  }

  void start() {
    timer.start();
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public FlushResult flush() {
    return runOnce().result();
  }

  @Override
  public Run runOnce() {
    try {
      runLock.lockInterruptibly();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Run(false, cutoff(), 0, 0, false, FlushResult.failed(0, Duration.ZERO, e));
    }
    try {
      Instant cutoff = cutoff();
      if (closed || cutoff.isBefore(InputRules.MIN_TIME)) {
        // closed, or nothing storable can be older than the cutoff
        return new Run(false, cutoff, 0, 0, !closed, FlushResult.empty());
      }
      return runLocked(cutoff);
    } finally {
      runLock.unlock();
    }
  }

  /**
   * @return now minus the retention, or {@link Instant#MIN} if that is before its range
   */
  private Instant cutoff() {
    try {
      return clock.now().minus(retention);
    } catch (DateTimeException | ArithmeticException beforeTime) {
      return Instant.MIN;
    }
  }

  /** One run; the caller holds {@link #runLock}. Never throws. */
  private Run runLocked(Instant cutoff) {
    long start = clock.nanoTime();
    long deadline = REAL_TIME.nanoTime() + runBudget.toNanos();
    Optional<ConnectionLogStore.RetentionLock> lock;
    try {
      InputRules.requireTime(cutoff, "the retention cutoff (clock.now() - retention)");
      lock = takeLock();
    } catch (Exception | Error e) {
      return finish(cutoff, false, 0, 0, false, start, e, "taking the retention lock");
    }
    if (lock.isEmpty()) {
      log.debug("{}: another replica holds the retention lock; run skipped", name);
      return new Run(false, cutoff, 0, 0, false, FlushResult.empty());
    }
    int batches = 0;
    long deleted = 0;
    boolean complete = false;
    Throwable failure = null;
    try {
      while (batches == 0 || REAL_TIME.nanoTime() - deadline < 0) {
        batches++;
        int n = TimedCall.call(io, () -> deleteBatch(cutoff), callTimeout);
        deleted += n;
        if (n < batchSize) {
          complete = true;
          break;
        }
      }
    } catch (Exception | Error e) {
      failure = e;
    } finally {
      release(lock.get());
    }
    if (failure == null && !complete) {
      log.info(
          "{}: the run budget {} was spent after deleting {} connection-log rows in {} batches;"
              + " the next run goes on",
          name,
          runBudget,
          deleted,
          batches);
    }
    return finish(cutoff, true, batches, deleted, complete, start, failure, "deleting rows");
  }

  /**
   * One delete, on the I/O thread. Counted here, so that the rows of a call that ends after its
   * timeout are counted too.
   */
  private int deleteBatch(Instant cutoff) {
    int n = store.deleteOlderThan(cutoff, batchSize);
    if (n < 0 || n > batchSize) {
      throw new IllegalStateException(
          store + ".deleteOlderThan returned " + n + " but must return 0 to " + batchSize);
    }
    purged.addAndGet(n);
    return n;
  }

  /**
   * Asks the store for the lock on the I/O thread, bounded by the call timeout. A call that ends
   * after the caller gave up (a store that ignores the interrupt) hands the lock it got back at
   * once, so an abandoned lock is never kept: whichever side comes second through {@code slot}
   * releases it.
   */
  private Optional<ConnectionLogStore.RetentionLock> takeLock() throws Exception {
    AtomicReference<Object> slot = new AtomicReference<>();
    try {
      return TimedCall.call(
          io,
          () -> {
            Optional<ConnectionLogStore.RetentionLock> lock = store.tryLockRetention();
            if (lock.isPresent() && !slot.compareAndSet(null, lock.get())) {
              lock.get().close(); // the run gave up waiting for it
              return Optional.<ConnectionLogStore.RetentionLock>empty();
            }
            return lock;
          },
          callTimeout);
    } catch (TimeoutException | InterruptedException gaveUp) {
      Object got = slot.getAndSet(ABANDONED);
      if (got instanceof ConnectionLogStore.RetentionLock) {
        release((ConnectionLogStore.RetentionLock) got); // delivered just as the wait ended
      }
      throw gaveUp;
    }
  }

  /**
   * Releases the lock on the I/O thread, after any store call still running there, and waits for it
   * up to the call timeout: normally the lock is free again when the run returns.
   */
  private void release(ConnectionLogStore.RetentionLock lock) {
    Runnable close =
        () -> {
          try {
            lock.close();
          } catch (RuntimeException | Error e) {
            log.warn("{}: releasing the retention lock failed", name, e);
          }
        };
    Future<?> released;
    try {
      released = io.submit(close);
    } catch (RejectedExecutionException closing) {
      close.run(); // close() shut the I/O thread down meanwhile
      return;
    }
    try {
      released.get(callTimeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      log.warn(
          "{}: a store call still runs after the call timeout {}; the retention lock is released"
              + " when it ends",
          name,
          callTimeout);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException e) {
      log.warn("{}: releasing the retention lock failed", name, e.getCause());
    }
  }

  private Run finish(
      Instant cutoff,
      boolean locked,
      int batches,
      long deleted,
      boolean complete,
      long start,
      Throwable failure,
      String what) {
    Duration took = Duration.ofNanos(clock.nanoTime() - start);
    int rows = (int) Math.min(deleted, Integer.MAX_VALUE);
    FlushResult result;
    if (failure == null) {
      if (deleted > 0) {
        runs.incrementAndGet();
        log.debug(
            "{}: deleted {} connection-log rows older than {} in {}", name, deleted, cutoff, took);
      }
      failures.recordSuccess();
      result = deleted > 0 ? FlushResult.success(rows, took) : FlushResult.empty();
    } else {
      if (failure instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      failedRuns.incrementAndGet();
      String description =
          what + " of the connection log older than " + cutoff + " (" + deleted + " deleted)";
      if (failure instanceof TimeoutException) {
        result = FlushResult.timedOut(rows, callTimeout, failure);
        failures.recordFailure(
            description + ", a store call timed out after " + callTimeout, failure);
      } else {
        result = FlushResult.failed(rows, took, failure);
        failures.recordFailure(description, failure);
      }
    }
    listeners.fire(result);
    return new Run(locked, cutoff, batches, deleted, complete, result);
  }

  @Override
  public ComponentStats stats() {
    long rows = purged.get();
    return ComponentStats.builder(name)
        .accepted(rows)
        .flushedRows(rows)
        .flushes(runs.get())
        .failedFlushes(failedRuns.get())
        .consecutiveFailures(failures.consecutiveFailures())
        .lastSuccess(failures.lastSuccess())
        .callbackFailures(listeners.failures())
        .build();
  }

  @Override
  public Health health() {
    return failures.health();
  }

  @Override
  public void close() {
    if (!closeStarted.compareAndSet(false, true)) {
      return;
    }
    long deadline = REAL_TIME.nanoTime() + shutdownTimeout.toNanos();
    closed = true;
    timer.stop();
    boolean locked = false;
    try {
      locked = runLock.tryLock(shutdownTimeout.toNanos(), TimeUnit.NANOSECONDS);
      if (!locked) {
        log.warn(
            "{}: a running run did not finish within the shutdown timeout {}",
            name,
            shutdownTimeout);
      }
      io.shutdown(); // a queued lock release still runs
      if (!io.awaitTermination(
          Math.max(0, deadline - REAL_TIME.nanoTime()), TimeUnit.NANOSECONDS)) {
        io.shutdownNow();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      io.shutdownNow();
    } finally {
      if (locked) {
        runLock.unlock();
      }
    }
  }

  @Override
  public String toString() {
    return "ConnectionLogRetention{name="
        + name
        + ", retention="
        + retention
        + ", interval="
        + interval
        + ", batchSize="
        + batchSize
        + ", closed="
        + closed
        + '}';
  }
}
