package io.tally.core.batch;

import io.tally.core.ComponentStats;
import io.tally.core.internal.FailureTracker;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.ToIntFunction;
import org.slf4j.Logger;

/**
 * A batcher's counters, under one lock, and the ERROR log line of everything it gives up (so no
 * item is dropped uncounted or unlogged). Accepted items are counted by the {@link Intake} as they
 * enter it; items leave the intake only through {@link #drain}, which moves them into {@code held}
 * under this lock, and {@link #snapshot} reads the intake's counts under this lock too, so every
 * snapshot balances: {@code accepted == flushedRows + coalesced + pending + droppedTotal}.
 */
final class BatchCounters {
  private final String name;
  private final Logger log;
  private final PendingBound bound;
  private final Object lock = new Object();

  /** Writes refused after being accepted (queue full, enqueue timeout): counted with their drop. */
  private long refused;

  private long coalesced;
  private long flushedRows;
  private long flushes;
  private long failedFlushes;
  private long retries;

  /** Items in the worker's custody: pending batch, retry queue, isolation, in-flight call. */
  private long held;

  private final Map<String, Long> dropped = new TreeMap<>();
  private long callbackFailures;

  /** Values truncated before their items reached us; added on writing threads, so no lock. */
  private final LongAdder truncated = new LongAdder();

  /**
   * @param bound the memory bound; every item that leaves {@code held} leaves it too (items enter
   *     it by {@link IntakeDrain}, which reserves room before it drains)
   */
  BatchCounters(String name, Logger log, PendingBound bound) {
    this.name = name;
    this.log = log;
    this.bound = bound;
  }

  /**
   * Moves up to {@code max} queued items into {@code out}, counting them as held in the same step,
   * so that no snapshot sees them neither queued nor held.
   */
  <T> int drain(Intake<T> intake, List<T> out, int max) {
    synchronized (lock) {
      int n = intake.drainTo(out, max);
      held += n;
      return n;
    }
  }

  /** One held item merged into another. */
  void coalesced() {
    synchronized (lock) {
      held--;
      coalesced++;
    }
    bound.release(1);
  }

  /** A store call wrote {@code n} held items. */
  void written(int n) {
    synchronized (lock) {
      flushedRows += n;
      flushes++;
      held -= n;
    }
    bound.release(n);
  }

  void failedFlush() {
    synchronized (lock) {
      failedFlushes++;
    }
  }

  void retry() {
    synchronized (lock) {
      retries++;
    }
  }

  /** Counts {@code n} held items given up for {@code reason}, and logs it at ERROR. */
  void drop(String reason, int n, String why, Throwable cause) {
    long total;
    synchronized (lock) {
      held -= n;
      total = dropped.merge(reason, (long) n, Long::sum);
    }
    bound.release(n);
    logDrop(reason, n, why, total, cause);
  }

  /**
   * Counts a write that was refused after it counted as offered: accepted and dropped for {@code
   * reason} in one step. Logs at ERROR the first and every 100th, since each caller also learns it
   * (an exception or {@code false}).
   */
  void refuse(String reason, String why) {
    long total;
    synchronized (lock) {
      refused++;
      total = dropped.merge(reason, 1L, Long::sum);
    }
    if (total == 1 || total % 100 == 0) {
      logDrop(reason, 1, why, total, null);
    }
  }

  /**
   * Offers {@code item} to a full {@code intake}, waiting up to {@code wait} (real time) for room;
   * counts it as refused for {@code reason} if none came.
   *
   * @return the intake's answer
   */
  <T> int offerWaiting(Intake<T> intake, T item, Duration wait, String reason) {
    int r;
    String why;
    try {
      r = intake.offer(item, StoreCalls.saturatedNanos(wait));
      why = "the queue stayed full for " + wait;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      r = Intake.FULL;
      why = "a write waiting for room in the full queue was interrupted";
    }
    if (r == Intake.FULL) {
      refuse(reason, why);
    }
    return r;
  }

  /** Counts a key function or merge rule that threw; logs the first and every 1000th. */
  /** Counts the truncated values of an accepted item, if {@code perItem} is set. */
  <T> void truncated(ToIntFunction<? super T> perItem, T item) {
    if (perItem != null) {
      int n = perItem.applyAsInt(item);
      if (n > 0) {
        truncated.add(n);
      }
    }
  }

  void callbackFailed(String what, Throwable e) {
    long n;
    synchronized (lock) {
      n = ++callbackFailures;
    }
    if (n == 1 || n % 1000 == 0) {
      log.error(
          "{}: {} threw ({} failures so far); the item is kept uncoalesced", name, what, n, e);
    }
  }

  private void logDrop(String reason, int n, String why, long total, Throwable cause) {
    String msg = "{}: dropped {} item(s), reason {}: {} ({} dropped for this reason so far)";
    if (cause != null) {
      log.error(msg, name, n, reason, why, total, cause);
    } else {
      log.error(msg, name, n, reason, why, total);
    }
  }

  /** A consistent snapshot of the counters and the intake's counts. */
  ComponentStats snapshot(Intake<?> intake, FailureTracker failures, long listenerFailures) {
    synchronized (lock) {
      Intake.Counts queue = intake.counts(); // the worker cannot drain while we hold the lock
      ComponentStats.Builder s =
          ComponentStats.builder(name)
              .accepted(queue.offered() + refused)
              .coalesced(coalesced)
              .flushedRows(flushedRows)
              .flushes(flushes)
              .failedFlushes(failedFlushes)
              .retries(retries)
              .consecutiveFailures(failures.consecutiveFailures())
              .lastSuccess(failures.lastSuccess())
              .pending(queue.queued() + held)
              .callbackFailures(callbackFailures + listenerFailures)
              .truncated(truncated.sum());
      for (Map.Entry<String, Long> e : dropped.entrySet()) {
        s.dropped(e.getKey(), e.getValue());
      }
      return s.build();
    }
  }
}
