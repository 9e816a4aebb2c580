package io.tally.testkit;

import io.tally.core.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.PriorityQueue;

/**
 * A {@link Clock} that moves only when a test says so.
 *
 * <p>{@link #advance(Duration)} moves time forward and runs every scheduled task that falls due, in
 * due order (ties in scheduling order), on the caller's thread, before it returns. While a task
 * runs, {@link #now()} reads that task's due time; tasks it schedules that fall due within the same
 * advance run too. A component built with a {@code ManualClock} therefore never flushes on its own.
 * Thread-safe.
 *
 * <p>What has happened when {@code advance} returns depends on the component:
 *
 * <ul>
 *   <li>{@code LastUsedTracker} and {@code UsageStatsTracker}: their timer task is the flush, so a
 *       flush that fell due has finished (written, or failed and counted) when {@code advance}
 *       returns.
 *   <li>{@code Batcher} (the connection log's {@code db} backend): its timer and retry tasks only
 *       wake the batcher's own worker thread, which writes after {@code advance} may have returned.
 *       Call {@link io.tally.core.batch.Batcher#awaitIdle(Duration)} next: it returns once the
 *       worker has handled every wake-up and queued item and no store call is in flight.
 * </ul>
 *
 * <pre>{@code
 * batcher.write(event);
 * clock.advance(Duration.ofSeconds(5));          // the flush timer fires: the worker wakes
 * assertThat(batcher.awaitIdle(Duration.ofSeconds(30))).isTrue(); // the worker wrote
 * assertThat(store.rows()).hasSize(1);
 * }</pre>
 *
 * <p>Starts at {@link #DEFAULT_START} (non-zero, so code that treats zero as "unset" is caught)
 * with a monotonic reading of {@link #DEFAULT_NANO_START}.
 */
public final class ManualClock implements Clock {
  /** The instant {@link #create()} starts at. */
  public static final Instant DEFAULT_START = Instant.parse("2026-01-01T00:00:00Z");

  /** The monotonic reading {@link #create()} starts at: {@value}. */
  public static final long DEFAULT_NANO_START = 1_000_000_000_000L;

  private final Instant startInstant;
  private final long startNanos;
  private final PriorityQueue<Task> tasks = new PriorityQueue<>();
  private long elapsedNanos;
  private long sequence;

  private ManualClock(Instant startInstant, long startNanos) {
    this.startInstant = startInstant;
    this.startNanos = startNanos;
  }

  /**
   * @return a clock at {@link #DEFAULT_START}
   */
  public static ManualClock create() {
    return new ManualClock(DEFAULT_START, DEFAULT_NANO_START);
  }

  /**
   * @param start the instant the clock starts at
   * @return a clock at {@code start}
   */
  public static ManualClock startingAt(Instant start) {
    return new ManualClock(Objects.requireNonNull(start, "start"), DEFAULT_NANO_START);
  }

  /**
   * A clock whose monotonic reading starts at {@code nanoStart}, for hostile tests: pass a value
   * near {@link Long#MAX_VALUE} to check that code compares nano readings by difference and
   * survives the overflow.
   *
   * @param start the instant the clock starts at
   * @param nanoStart the first {@link #nanoTime()} reading
   * @return the clock
   */
  public static ManualClock startingAt(Instant start, long nanoStart) {
    return new ManualClock(Objects.requireNonNull(start, "start"), nanoStart);
  }

  @Override
  public synchronized Instant now() {
    return startInstant.plusNanos(elapsedNanos);
  }

  @Override
  public synchronized long nanoTime() {
    return startNanos + elapsedNanos; // may overflow by design; callers compare differences
  }

  @Override
  public Cancellable schedule(Duration delay, Runnable task) {
    Objects.requireNonNull(delay, "delay");
    Objects.requireNonNull(task, "task");
    if (delay.isNegative()) {
      throw new IllegalArgumentException("delay was " + delay + " but must not be negative");
    }
    Task t;
    synchronized (this) {
      t = new Task(elapsedNanos + delay.toNanos(), sequence++, task);
      tasks.add(t);
    }
    return () -> {
      synchronized (ManualClock.this) {
        return tasks.remove(t);
      }
    };
  }

  /**
   * Moves time forward by {@code duration}, running every task that falls due, in due order, on
   * this thread, before returning. Only the tasks run here: work a task hands to another thread (a
   * {@code Batcher}'s worker) may still be running; see the class comment.
   *
   * @param duration how far to move; zero runs the tasks due now
   * @throws IllegalArgumentException if {@code duration} is negative
   */
  public void advance(Duration duration) {
    Objects.requireNonNull(duration, "duration");
    if (duration.isNegative()) {
      throw new IllegalArgumentException("duration was " + duration + " but must not be negative");
    }
    long target;
    synchronized (this) {
      target = elapsedNanos + duration.toNanos();
    }
    while (true) {
      Task next;
      synchronized (this) {
        next = tasks.peek();
        if (next == null || next.dueNanos > target) {
          elapsedNanos = Math.max(elapsedNanos, target);
          return;
        }
        tasks.poll();
        elapsedNanos = Math.max(elapsedNanos, next.dueNanos);
      }
      next.runnable.run(); // outside the lock: the task may read the clock or schedule more
    }
  }

  /**
   * Moves time forward to {@code instant}.
   *
   * @param instant where to move; not before {@link #now()}
   */
  public void advanceTo(Instant instant) {
    advance(Duration.between(now(), Objects.requireNonNull(instant, "instant")));
  }

  /** Runs the tasks that are due now without moving time; same as {@code advance(ZERO)}. */
  public void runDueTasks() {
    advance(Duration.ZERO);
  }

  /**
   * @return how many scheduled tasks have not run and were not cancelled
   */
  public synchronized int pendingTasks() {
    return tasks.size();
  }

  /**
   * @return the delays from now until each pending task is due, earliest first
   */
  public synchronized List<Duration> pendingDelays() {
    List<Task> sorted = new ArrayList<>(tasks);
    sorted.sort(null);
    List<Duration> delays = new ArrayList<>(sorted.size());
    for (Task t : sorted) {
      delays.add(Duration.ofNanos(t.dueNanos - elapsedNanos));
    }
    return delays;
  }

  @Override
  public String toString() {
    return "ManualClock{now=" + now() + ", pendingTasks=" + pendingTasks() + '}';
  }

  private static final class Task implements Comparable<Task> {
    final long dueNanos;
    final long seq;
    final Runnable runnable;

    Task(long dueNanos, long seq, Runnable runnable) {
      this.dueNanos = dueNanos;
      this.seq = seq;
      this.runnable = runnable;
    }

    @Override
    public int compareTo(Task o) {
      int c = Long.compare(dueNanos, o.dueNanos);
      return c != 0 ? c : Long.compare(seq, o.seq);
    }
  }
}
