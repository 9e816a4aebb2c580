package io.tally.core;

import java.time.Duration;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * When a component reports {@link Health#DEGRADED} or {@link Health#FAILING}.
 *
 * <p>A component is {@code DEGRADED} once {@link #degradedAfterFailures()} flushes in a row have
 * failed, and {@code FAILING} once it has had at least one failure and nothing succeeded for {@link
 * #failingAfter()} (counted from the last success, or from the start). One success makes it {@code
 * HEALTHY} again. Immutable.
 */
public final class HealthPolicy {
  /** Default number of consecutive failures that make a component degraded: {@value}. */
  public static final int DEFAULT_DEGRADED_AFTER_FAILURES = 3;

  /** Default period without success that makes a failing component {@code FAILING}: 5 minutes. */
  public static final Duration DEFAULT_FAILING_AFTER = Duration.ofMinutes(5);

  private static final HealthPolicy DEFAULTS =
      new HealthPolicy(DEFAULT_DEGRADED_AFTER_FAILURES, DEFAULT_FAILING_AFTER);

  private final int degradedAfterFailures;
  private final Duration failingAfter;

  private HealthPolicy(int degradedAfterFailures, Duration failingAfter) {
    this.degradedAfterFailures = degradedAfterFailures;
    this.failingAfter = failingAfter;
  }

  /**
   * Returns the default policy: degraded after {@value #DEFAULT_DEGRADED_AFTER_FAILURES}
   * consecutive failures, failing after 5 minutes without success.
   *
   * @return the default policy
   */
  public static HealthPolicy defaults() {
    return DEFAULTS;
  }

  /**
   * Creates a policy.
   *
   * @param degradedAfterFailures consecutive failures before {@code DEGRADED}; at least 1
   * @param failingAfter time without success before {@code FAILING}; positive
   * @return the policy
   * @throws IllegalArgumentException if a value breaks its rule
   */
  public static HealthPolicy of(int degradedAfterFailures, Duration failingAfter) {
    Objects.requireNonNull(failingAfter, "failingAfter");
    if (degradedAfterFailures < 1) {
      throw new IllegalArgumentException(
          "degradedAfterFailures was " + degradedAfterFailures + " but must be >= 1");
    }
    if (failingAfter.isZero() || failingAfter.isNegative()) {
      throw new IllegalArgumentException(
          "failingAfter was " + failingAfter + " but must be positive");
    }
    return new HealthPolicy(degradedAfterFailures, failingAfter);
  }

  /**
   * @return consecutive failures before {@code DEGRADED}
   */
  public int degradedAfterFailures() {
    return degradedAfterFailures;
  }

  /**
   * @return time without success before {@code FAILING}
   */
  public Duration failingAfter() {
    return failingAfter;
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof HealthPolicy
        && ((HealthPolicy) o).degradedAfterFailures == degradedAfterFailures
        && ((HealthPolicy) o).failingAfter.equals(failingAfter);
  }

  @Override
  public int hashCode() {
    return 31 * degradedAfterFailures + failingAfter.hashCode();
  }

  @Override
  public String toString() {
    return "HealthPolicy{degradedAfterFailures="
        + degradedAfterFailures
        + ", failingAfter="
        + failingAfter
        + '}';
  }
}
