package io.tally.core.batch;

import io.tally.core.Clock;
import io.tally.core.FlushResult;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A flush the timer, a retry or {@code flush()} asked for: how many pending items it still has to
 * write, the {@code flush()} callers waiting for it, and what it wrote so far. A size-triggered
 * flush is not a round. Plain state: worker only.
 */
final class FlushRound {
  private int owed;
  private final List<CompletableFuture<FlushResult>> waiters = new ArrayList<>();
  private int rows;
  private long nanos;

  /**
   * @return true while a round is under way
   */
  boolean active() {
    return owed > 0 || !waiters.isEmpty();
  }

  /**
   * @return items the round still has to write
   */
  int owed() {
    return owed;
  }

  /** The round (started now, or already under way) writes at least {@code items} more items. */
  void owe(int items) {
    owed = Math.max(owed, items);
  }

  /** {@code n} items were taken for a call of this round. */
  void took(int n) {
    owed = Math.max(0, owed - n);
  }

  /** A {@code flush()} caller waits for this round. */
  void await(CompletableFuture<FlushResult> waiter) {
    if (!active()) {
      rows = 0; // rows written before the round are not this flush's
      nanos = 0;
    }
    waiters.add(waiter);
  }

  /** A call of the round (or of an isolation it started) succeeded. */
  void written(FlushResult r) {
    rows += r.rows();
    nanos += r.duration().toNanos();
  }

  /**
   * Waits for a {@code flush()} request's result, at most {@code wait} (real time).
   *
   * @return the result, or a timed-out or failed one if the wait ran out or was interrupted
   */
  static FlushResult await(CompletableFuture<FlushResult> done, Duration wait, Clock real) {
    return await(done, real.nanoTime() + StoreCalls.saturatedNanos(wait), wait, real);
  }

  /** The same, until {@code deadline} (real nanos); {@code wait} is reported on a timeout. */
  static FlushResult await(
      CompletableFuture<FlushResult> done, long deadline, Duration wait, Clock real) {
    try {
      return done.get(Math.max(0, deadline - real.nanoTime()), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      return FlushResult.timedOut(0, wait, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return FlushResult.failed(0, Duration.ZERO, e);
    } catch (ExecutionException e) {
      return FlushResult.failed(0, Duration.ZERO, e.getCause());
    }
  }

  /** Ends the round with what it wrote ({@code EMPTY} if nothing). */
  void end() {
    end(
        rows == 0 && nanos == 0
            ? FlushResult.empty()
            : FlushResult.success(rows, Duration.ofNanos(nanos)));
  }

  /** Ends the round: its waiters get {@code result}. */
  void end(FlushResult result) {
    owed = 0;
    rows = 0;
    nanos = 0;
    for (CompletableFuture<FlushResult> w : waiters) {
      w.complete(result);
    }
    waiters.clear();
  }
}
