package io.tally.testkit;

import io.tally.core.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * Waits, with a real-time bound, for a condition that another thread makes true. Use it instead of
 * sleeping: it returns as soon as the condition holds and fails with a clear message when the bound
 * passes.
 */
public final class Await {
  /** The bound used by {@link #until(String, BooleanSupplier)}: 10 seconds. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

  private Await() {}

  /**
   * Waits up to {@link #DEFAULT_TIMEOUT} for {@code condition}.
   *
   * @param what describes the condition, for the failure message
   * @param condition the condition to wait for
   * @throws AssertionError if it does not hold in time
   */
  public static void until(String what, BooleanSupplier condition) {
    until(what, DEFAULT_TIMEOUT, condition);
  }

  /**
   * Waits up to {@code timeout} for {@code condition}, polling every millisecond.
   *
   * @param what describes the condition, for the failure message
   * @param timeout the real-time bound
   * @param condition the condition to wait for
   * @throws AssertionError if it does not hold in time, or the thread is interrupted
   */
  public static void until(String what, Duration timeout, BooleanSupplier condition) {
    Objects.requireNonNull(condition, "condition");
    Clock real = Clock.system();
    long deadline = real.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (real.nanoTime() - deadline > 0) {
        throw new AssertionError("Timed out after " + timeout + " waiting until " + what);
      }
      LockSupport.parkNanos(1_000_000L);
      if (Thread.currentThread().isInterrupted()) {
        throw new AssertionError("Interrupted while waiting until " + what);
      }
    }
  }
}
