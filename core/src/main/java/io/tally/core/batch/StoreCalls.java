package io.tally.core.batch;

import io.tally.core.Clock;
import io.tally.core.FlushResult;
import io.tally.core.StoreException;
import io.tally.core.StoreException.Kind;
import io.tally.core.internal.CallScope;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;

/**
 * The I/O side of a batcher: store calls run on one I/O thread ({@code tally-<name>-io-<n>}), each
 * bounded by a real-time timeout, and each signals its end ({@code onDone}) once its outcome is
 * set, so the worker can wait for it together with everything else.
 *
 * <p>One thread: a call that outlives its timeout (JDBC drivers often ignore interrupts) keeps it,
 * and the next call queues behind it instead of overlapping on a second thread; a call cancelled
 * while it still waits never starts. So the calls of one worker never overlap (the shards of a
 * parallel batcher each have their own). Each call runs in a {@link CallScope}: a call given up at
 * its timeout (or cancelled by {@code close()}) has the connections it borrowed aborted, which ends
 * a socket read that ignores the interrupt, so the I/O thread is free for the next call.
 *
 * @param <T> the item type
 */
final class StoreCalls<T> {
  private final BatchStore<T> store;
  private final Clock clock;
  private final Clock real;
  private final Runnable onDone;
  private final ThreadPoolExecutor io;

  /** One store call: its items, its task and its bounds. */
  static final class Call<T> {
    final List<T> items;
    private final FutureTask<Void> task;
    private final CallScope scope;
    private final long startNanos; // clock nanos, for the reported duration
    private final long deadline; // real nanos
    private final Duration timeout;

    private Call(
        List<T> items,
        FutureTask<Void> task,
        CallScope scope,
        long startNanos,
        long deadline,
        Duration timeout) {
      this.items = items;
      this.task = task;
      this.scope = scope;
      this.startNanos = startNanos;
      this.deadline = deadline;
      this.timeout = timeout;
    }
  }

  StoreCalls(ThreadFactory threads, BatchStore<T> store, Clock clock, Clock real, Runnable onDone) {
    this.store = store;
    this.clock = clock;
    this.real = real;
    this.onDone = onDone;
    this.io =
        new ThreadPoolExecutor(1, 1, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), threads);
    this.io.allowCoreThreadTimeOut(true);
  }

  /** Starts writing {@code items}; the call may run until {@code timeout} (real time) from now. */
  Call<T> start(List<T> items, Duration timeout) {
    List<T> view = Collections.unmodifiableList(items);
    CallScope scope = new CallScope();
    FutureTask<Void> task =
        new FutureTask<>(
            scope.wrap(
                () -> {
                  store.upsertBatch(view);
                  return null;
                })) {
          @Override
          protected void done() {
            onDone.run(); // after the outcome is set, so the worker sees it
          }
        };
    long startNanos = clock.nanoTime();
    long deadline = real.nanoTime() + saturatedNanos(timeout);
    io.execute(task);
    return new Call<>(items, task, scope, startNanos, deadline, timeout);
  }

  /**
   * @return real nanos left before the call's timeout (negative once it passed)
   */
  long nanosLeft(Call<T> call) {
    return call.deadline - real.nanoTime();
  }

  /**
   * The call's outcome if it ended, a timeout (the call is then cancelled) if its time ran out, or
   * null while it runs.
   */
  @Nullable FlushResult poll(Call<T> call) {
    if (call.task.isDone()) {
      return outcome(call);
    }
    return nanosLeft(call) <= 0 ? timedOut(call) : null;
  }

  /**
   * Waits for the call at most {@code maxNanos} (and at most until its own timeout, then it is
   * cancelled and reported as timed out).
   *
   * @return the outcome, or null if {@code maxNanos} ran out first or the wait was interrupted (the
   *     call still runs; the caller may {@link #cancel} it)
   */
  @Nullable FlushResult await(Call<T> call, long maxNanos) {
    long own = nanosLeft(call);
    try {
      call.task.get(Math.max(0, Math.min(own, maxNanos)), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      return own <= maxNanos ? timedOut(call) : null;
    } catch (InterruptedException e) {
      return null;
    } catch (ExecutionException | CancellationException e) {
      // the outcome below reports it
    }
    return outcome(call);
  }

  /** Gives up on a call: interrupted if it runs, never started if it waits. */
  void cancel(Call<T> call) {
    call.task.cancel(true);
    call.scope.abort();
  }

  /** Stops the I/O thread (interrupting a call that still runs). */
  void shutdownNow() {
    io.shutdownNow();
  }

  /** The outcome of a call that is done. */
  private FlushResult outcome(Call<T> call) {
    int n = call.items.size();
    Duration took = Duration.ofNanos(Math.max(0, clock.nanoTime() - call.startNanos));
    try {
      call.task.get();
      return FlushResult.success(n, took);
    } catch (CancellationException e) {
      return FlushResult.failed(n, took, e);
    } catch (ExecutionException e) {
      return FlushResult.failed(n, took, e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt(); // cannot happen for a done task
      return FlushResult.failed(n, took, e);
    }
  }

  /** A call that ran past its timeout: cancelled, and reported as timed out. */
  private FlushResult timedOut(Call<T> call) {
    if (!call.task.cancel(true) && call.task.isDone()) {
      return outcome(call); // it ended just now
    }
    call.scope.abort(); // ends a socket read the interrupt cannot end
    return FlushResult.timedOut(
        call.items.size(),
        call.timeout,
        new TimeoutException("store call did not finish within " + call.timeout));
  }

  /** Timeouts, interrupts and cancellations are transient; otherwise what the store says. */
  static Kind kindOf(FlushResult result) {
    Throwable cause = result.failure().orElse(null);
    if (result.outcome() == FlushResult.Outcome.TIMED_OUT
        || cause instanceof InterruptedException
        || cause instanceof CancellationException) {
      return Kind.TRANSIENT;
    }
    return StoreException.kindOf(cause);
  }

  /**
   * @return the failure of {@code r}, or null (also for a null result)
   */
  static @Nullable Throwable cause(@Nullable FlushResult r) {
    return r == null ? null : r.failure().orElse(null);
  }

  static long saturatedNanos(Duration d) {
    try {
      return d.toNanos();
    } catch (ArithmeticException e) {
      return Long.MAX_VALUE;
    }
  }
}
