package io.tally.core.batch;

import io.tally.core.ComponentStats;
import io.tally.core.internal.FailureTracker;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A batcher's counters, under one lock. Accepted items are counted by the {@link Intake} as they
 * enter it; items leave the intake only through {@link #drain}, which moves them into
 * {@code held} under this lock, and {@link #snapshot} reads the intake's counts under this lock
 * too, so every snapshot balances: {@code accepted == flushedRows + coalesced + pending +
 * droppedTotal}.
 */
final class BatchCounters {
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

  /**
   * Moves up to {@code max} queued items into {@code out}, counting them as held in the same
   * step, so that no snapshot sees them neither queued nor held.
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
  }

  /** A store call wrote {@code n} held items. */
  void written(int n) {
    synchronized (lock) {
      flushedRows += n;
      flushes++;
      held -= n;
    }
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

  /**
   * Counts {@code n} held items given up for {@code reason}.
   *
   * @return the total dropped for that reason so far
   */
  long drop(String reason, int n) {
    synchronized (lock) {
      held -= n;
      return dropped.merge(reason, (long) n, Long::sum);
    }
  }

  /**
   * Counts a write that was refused after it counted as offered: accepted and dropped for
   * {@code reason} in one step.
   *
   * @return the total dropped for that reason so far
   */
  long refuse(String reason) {
    synchronized (lock) {
      refused++;
      return dropped.merge(reason, 1L, Long::sum);
    }
  }

  /** @return the callback failures so far, this one included */
  long callbackFailed() {
    synchronized (lock) {
      return ++callbackFailures;
    }
  }

  /** A consistent snapshot of the counters and the intake's counts. */
  ComponentStats snapshot(
      String name, Intake<?> intake, FailureTracker failures, long listenerFailures) {
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
              .callbackFailures(callbackFailures + listenerFailures);
      for (Map.Entry<String, Long> e : dropped.entrySet()) {
        s.dropped(e.getKey(), e.getValue());
      }
      return s.build();
    }
  }
}
