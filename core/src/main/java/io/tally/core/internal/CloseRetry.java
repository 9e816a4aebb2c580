package io.tally.core.internal;

import io.tally.core.Clock;
import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * The final flush of a component's {@code close()}: repeated, with a short backoff, until nothing
 * is left to write or the real-time shutdown deadline passes, so one failed attempt (say a
 * connection that went silent and timed out) does not give up what the rest of the budget could
 * still write.
 */
public final class CloseRetry {
  /** The first wait between two attempts; it doubles up to {@link #MAX_BACKOFF}. */
  static final Duration FIRST_BACKOFF = Duration.ofMillis(10);

  /** The longest wait between two attempts. */
  static final Duration MAX_BACKOFF = Duration.ofMillis(500);

  private CloseRetry() {}

  /**
   * Runs {@code attempt} until it reports that nothing is left, the deadline passes, or the thread
   * is interrupted. The wait between attempts is real time (the shutdown budget is), never past the
   * deadline.
   *
   * @param attempt one final flush; returns true when nothing is left to write
   * @param deadline the real-time {@link Clock#nanoTime()} (of {@link Clock#system()}) by which
   *     close gives up
   * @return true if nothing is left to write
   */
  public static boolean untilDone(BooleanSupplier attempt, long deadline) {
    return untilDone(attempt, deadline, Clock.system());
  }

  /**
   * As {@link #untilDone(BooleanSupplier, long)}, with the real-time clock the component was given
   * (tests may give one of their own).
   *
   * @param attempt one final flush; returns true when nothing is left to write
   * @param deadline the {@code real} nanos by which close gives up
   * @param real the clock of real time
   * @return true if nothing is left to write
   */
  public static boolean untilDone(BooleanSupplier attempt, long deadline, Clock real) {
    long backoff = FIRST_BACKOFF.toNanos();
    while (true) {
      if (attempt.getAsBoolean()) {
        return true;
      }
      long left = deadline - real.nanoTime();
      if (left <= 0 || Thread.currentThread().isInterrupted()) {
        return false;
      }
      LockSupport.parkNanos(Math.min(backoff, left));
      backoff = Math.min(backoff * 2, MAX_BACKOFF.toNanos());
      if (deadline - real.nanoTime() <= 0) {
        return false;
      }
    }
  }
}
