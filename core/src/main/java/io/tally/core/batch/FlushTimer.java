package io.tally.core.batch;

import io.tally.core.Clock;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * A batcher's flush timer: due {@code flushInterval} after the last flush started, on the {@link
 * Clock}. Its clock task only signals the worker ({@code onFire}); the worker calls the other
 * methods. Not thread-safe: worker only.
 *
 * <p>After a size-triggered flush only the deadline moves ({@link #defer()}); the clock task is
 * moved to it when it fires early ({@link #fired()}) or when the worker is about to wait ({@link
 * #moveIfStale()}), so a busy worker does not cancel and schedule a clock task per batch.
 */
final class FlushTimer {
  private final Clock clock;
  private final Duration interval;
  private final Runnable onFire;

  /** The clock task, until the worker handles its signal; null when not armed. */
  private Clock.@Nullable Cancellable task;

  /** Clock nanos when the timer flush is due. */
  private long deadline;

  /** True when {@link #defer()} moved the deadline past the time the task is armed for. */
  private boolean stale;

  private boolean stopped;

  FlushTimer(Clock clock, Duration interval, Runnable onFire) {
    this.clock = clock;
    this.interval = interval;
    this.onFire = onFire;
  }

  /** A flush starts (or the batcher starts): the timer is due {@code interval} from now. */
  void rearm() {
    if (task != null) {
      task.cancel();
    }
    stale = false;
    deadline = clock.nanoTime() + interval.toNanos();
    task = stopped ? null : clock.schedule(interval, onFire);
  }

  /** A size-triggered flush starts: moves the deadline, leaving the armed task for later. */
  void defer() {
    if (task == null) {
      rearm(); // not armed (a merge-back backoff ended with this flush)
      return;
    }
    deadline = clock.nanoTime() + interval.toNanos();
    stale = true;
  }

  /** The worker is about to wait: arms the task for the deadline if it was deferred. */
  void moveIfStale() {
    if (!stale) {
      return;
    }
    stale = false;
    if (stopped || task == null || !task.cancel()) {
      return; // it already fired: fired() sees that the deadline moved
    }
    task = clock.schedule(Duration.ofNanos(Math.max(0, deadline - clock.nanoTime())), onFire);
  }

  /**
   * The task signalled. Returns whether the flush is due; when a deferral moved the deadline, the
   * task is armed again for it instead.
   */
  boolean fired() {
    task = null;
    stale = false;
    long left = deadline - clock.nanoTime();
    if (left > 0 && !stopped) {
      task = clock.schedule(Duration.ofNanos(left), onFire);
      return false;
    }
    return true;
  }

  /** True when the task is deferred and must be moved before the worker waits. */
  boolean isStale() {
    return stale;
  }

  /** Cancels the task for good. */
  void stop() {
    stopped = true;
    if (task != null) {
      task.cancel();
      task = null;
    }
  }
}
