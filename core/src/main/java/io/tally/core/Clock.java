package io.tally.core;

import java.time.Duration;
import java.time.Instant;

/**
 * The single source of time for Tally: the current instant, a monotonic nanosecond counter and a
 * scheduler for delayed tasks.
 *
 * <p>Every Tally component takes a {@code Clock} and reads no other time source, so a test that
 * passes a manual clock (the testkit's {@code ManualClock}) controls when flushes, retries and
 * back-offs happen. Delays that <em>schedule</em> work come from the clock; timeouts that bound a
 * blocking wait (flush timeout, write timeout, shutdown timeout) are real time, so that {@code
 * close()} returns in time even when a manual clock never advances.
 *
 * <p>Implementations must be thread-safe.
 */
public interface Clock {

  /**
   * Returns the current instant.
   *
   * @return the current wall-clock time, never {@code null}
   */
  Instant now();

  /**
   * Returns a monotonic reading in nanoseconds, meaningful only as a difference between two
   * readings of the same clock (like {@link System#nanoTime()}).
   *
   * @return the current monotonic time in nanoseconds
   */
  long nanoTime();

  /**
   * Runs {@code task} once after {@code delay}.
   *
   * <p>The system clock runs tasks on daemon threads named {@code tally-timer-<n>}; a task that
   * blocks does not delay other tasks. A task that throws is logged and otherwise ignored.
   *
   * @param delay how long to wait; zero or positive
   * @param task the task to run
   * @return a handle that cancels the task if it has not started yet
   * @throws NullPointerException if {@code delay} or {@code task} is null
   * @throws IllegalArgumentException if {@code delay} is negative
   */
  Cancellable schedule(Duration delay, Runnable task);

  /** A handle on a scheduled task. */
  @FunctionalInterface
  interface Cancellable {
    /**
     * Cancels the task if it has not started yet; has no effect otherwise.
     *
     * @return {@code true} if this call prevented the task from running
     */
    boolean cancel();
  }

  /**
   * Returns the clock backed by the operating system: {@link Instant#now()}, {@link
   * System#nanoTime()} and a shared daemon scheduler.
   *
   * @return the system clock (a singleton)
   */
  static Clock system() {
    return SystemClock.INSTANCE;
  }
}
