package io.tally.core.batch;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * How a {@link Batcher} retries a failed batch: capped exponential backoff with jitter, and two
 * opt-in limits (a number of attempts, a total deadline). Immutable.
 *
 * <p>Retry {@code n} (1 for the first retry) waits the nominal delay {@code min(maxBackoff,
 * initialBackoff * multiplier^(n-1))} shortened by a random fraction of at most {@code jitter}: the
 * actual wait lies in {@code [nominal * (1 - jitter), nominal]}, so it never exceeds {@link
 * #backoff(int)} (a test that advances a manual clock by {@code backoff(n)} always triggers retry
 * {@code n}). Delays come from the batcher's {@code Clock}. By default a batch is retried for as
 * long as it keeps failing (the batcher's memory bound, not time, limits what it holds). Opt-in
 * limits: a batch is given up ({@code retries_exhausted}) after {@link #maxAttempts()} failed
 * retries, or when the next retry would start more than {@link #deadline()} after its first
 * failure.
 *
 * <p>Defaults ({@link #defaults()}): first retry after 1 s, doubling up to 30 s, jitter 0.2,
 * unlimited retries, no deadline.
 */
public final class RetryPolicy {
  /** Default delay before the first retry: 1 second. */
  public static final Duration DEFAULT_INITIAL_BACKOFF = Duration.ofSeconds(1);

  /** Default longest delay between retries: 30 seconds. */
  public static final Duration DEFAULT_MAX_BACKOFF = Duration.ofSeconds(30);

  /** Default growth factor of the delay: {@value}. */
  public static final double DEFAULT_MULTIPLIER = 2.0;

  /** {@link #maxAttempts()} of a policy that never gives up: {@value}. */
  public static final int UNLIMITED = Integer.MAX_VALUE;

  /** Default number of retries after the failed write: unlimited ({@link #UNLIMITED}). */
  public static final int DEFAULT_MAX_ATTEMPTS = UNLIMITED;

  /** Default jitter: delays are shortened by a random fraction of at most {@value}. */
  public static final double DEFAULT_JITTER = 0.2;

  private static final RetryPolicy DEFAULTS =
      new RetryPolicy(
          DEFAULT_INITIAL_BACKOFF,
          DEFAULT_MAX_BACKOFF,
          DEFAULT_MULTIPLIER,
          DEFAULT_MAX_ATTEMPTS,
          DEFAULT_JITTER,
          null);

  private static final RetryPolicy NONE =
      new RetryPolicy(Duration.ZERO, Duration.ZERO, 1.0, 0, 0.0, null);

  private final Duration initialBackoff;
  private final Duration maxBackoff;
  private final double multiplier;
  private final int maxAttempts;
  private final double jitter;
  private final @Nullable Duration deadline; // null: none

  private RetryPolicy(
      Duration initialBackoff,
      Duration maxBackoff,
      double multiplier,
      int maxAttempts,
      double jitter,
      @Nullable Duration deadline) {
    this.initialBackoff = initialBackoff;
    this.maxBackoff = maxBackoff;
    this.multiplier = multiplier;
    this.maxAttempts = maxAttempts;
    this.jitter = jitter;
    this.deadline = deadline;
  }

  /**
   * Returns the default policy: 1 s doubling to 30 s, jitter 0.2, unlimited retries, no deadline.
   *
   * @return the default policy
   */
  public static RetryPolicy defaults() {
    return DEFAULTS;
  }

  /**
   * Returns the policy that never retries: a failed batch is given up at once ({@code
   * retries_exhausted}).
   *
   * @return the policy
   */
  public static RetryPolicy none() {
    return NONE;
  }

  /**
   * Creates an exponential policy with the default jitter ({@value #DEFAULT_JITTER}) and no
   * deadline; change them with {@link #withJitter(double)} and {@link #withDeadline(Duration)}.
   *
   * @param initialBackoff delay before the first retry; positive
   * @param maxBackoff longest delay; at least {@code initialBackoff}
   * @param multiplier growth factor per retry; at least 1
   * @param maxAttempts retries after the failed write; at least 0 (0: never retry; {@link
   *     #UNLIMITED}: never give up)
   * @return the policy
   * @throws NullPointerException if a duration is null
   * @throws IllegalArgumentException if a value breaks its rule
   */
  public static RetryPolicy exponential(
      Duration initialBackoff, Duration maxBackoff, double multiplier, int maxAttempts) {
    Objects.requireNonNull(initialBackoff, "initialBackoff");
    Objects.requireNonNull(maxBackoff, "maxBackoff");
    if (initialBackoff.isZero() || initialBackoff.isNegative()) {
      throw new IllegalArgumentException(
          "initialBackoff was " + initialBackoff + " but must be positive");
    }
    if (maxBackoff.compareTo(initialBackoff) < 0) {
      throw new IllegalArgumentException(
          "maxBackoff was " + maxBackoff + " but must be >= initialBackoff " + initialBackoff);
    }
    if (!(multiplier >= 1.0) || Double.isInfinite(multiplier)) {
      throw new IllegalArgumentException("multiplier was " + multiplier + " but must be >= 1");
    }
    if (maxAttempts < 0) {
      throw new IllegalArgumentException("maxAttempts was " + maxAttempts + " but must be >= 0");
    }
    return new RetryPolicy(
        initialBackoff, maxBackoff, multiplier, maxAttempts, DEFAULT_JITTER, null);
  }

  /**
   * Returns a copy with another jitter.
   *
   * @param jitter the largest fraction by which a delay is shortened at random; 0 (no jitter) to 1
   * @return the new policy
   * @throws IllegalArgumentException if {@code jitter} is outside {@code [0, 1]}
   */
  public RetryPolicy withJitter(double jitter) {
    if (!(jitter >= 0.0 && jitter <= 1.0)) {
      throw new IllegalArgumentException("jitter was " + jitter + " but must be in [0, 1]");
    }
    return new RetryPolicy(initialBackoff, maxBackoff, multiplier, maxAttempts, jitter, deadline);
  }

  /**
   * Returns a copy with another number of retries.
   *
   * @param maxAttempts retries after the failed write; at least 0 (0: never retry; {@link
   *     #UNLIMITED}: never give up)
   * @return the new policy
   * @throws IllegalArgumentException if {@code maxAttempts < 0}
   */
  public RetryPolicy withMaxAttempts(int maxAttempts) {
    if (maxAttempts < 0) {
      throw new IllegalArgumentException("maxAttempts was " + maxAttempts + " but must be >= 0");
    }
    return new RetryPolicy(initialBackoff, maxBackoff, multiplier, maxAttempts, jitter, deadline);
  }

  /**
   * Returns a copy with a total deadline (opt-in; the default has none): a batch whose next retry
   * would start later than this after its first failure is given up ({@code retries_exhausted}).
   *
   * @param deadline how long after a batch's first failure retries may still start; positive
   * @return the new policy
   * @throws IllegalArgumentException if {@code deadline} is not positive
   */
  public RetryPolicy withDeadline(Duration deadline) {
    Objects.requireNonNull(deadline, "deadline");
    if (deadline.isZero() || deadline.isNegative()) {
      throw new IllegalArgumentException("deadline was " + deadline + " but must be positive");
    }
    return new RetryPolicy(initialBackoff, maxBackoff, multiplier, maxAttempts, jitter, deadline);
  }

  /**
   * @return the delay before the first retry
   */
  public Duration initialBackoff() {
    return initialBackoff;
  }

  /**
   * @return the longest delay between retries
   */
  public Duration maxBackoff() {
    return maxBackoff;
  }

  /**
   * @return the growth factor of the delay
   */
  public double multiplier() {
    return multiplier;
  }

  /**
   * @return retries after the failed write; 0 means never retry, {@link #UNLIMITED} never give up
   */
  public int maxAttempts() {
    return maxAttempts;
  }

  /**
   * @return the largest fraction by which a delay is shortened at random
   */
  public double jitter() {
    return jitter;
  }

  /**
   * @return how long after a batch's first failure retries may still start; empty: no limit
   */
  public Optional<Duration> deadline() {
    return Optional.ofNullable(deadline);
  }

  boolean hasDeadline() {
    return deadline != null;
  }

  /**
   * Returns the nominal (longest) delay before retry {@code attempt}, without jitter.
   *
   * @param attempt the retry's number, 1 for the first
   * @return {@code min(maxBackoff, initialBackoff * multiplier^(attempt-1))}
   * @throws IllegalArgumentException if {@code attempt < 1}
   */
  public Duration backoff(int attempt) {
    if (attempt < 1) {
      throw new IllegalArgumentException("attempt was " + attempt + " but must be >= 1");
    }
    double nanos = initialBackoff.toNanos() * Math.pow(multiplier, attempt - 1.0);
    long max = maxBackoff.toNanos();
    return Duration.ofNanos(nanos >= max ? max : (long) nanos);
  }

  /**
   * The delay before retry {@code attempt} for a uniform random draw {@code u} in [0, 1).
   *
   * @param attempt the retry's number, 1 for the first
   * @param u a random number in [0, 1)
   * @return the jittered delay
   */
  Duration delay(int attempt, double u) {
    long nominal = backoff(attempt).toNanos();
    return Duration.ofNanos(nominal - (long) (nominal * jitter * u));
  }

  @Override
  public boolean equals(@Nullable Object o) {
    if (!(o instanceof RetryPolicy)) {
      return false;
    }
    RetryPolicy p = (RetryPolicy) o;
    return initialBackoff.equals(p.initialBackoff)
        && maxBackoff.equals(p.maxBackoff)
        && Double.compare(multiplier, p.multiplier) == 0
        && maxAttempts == p.maxAttempts
        && Double.compare(jitter, p.jitter) == 0
        && Objects.equals(deadline, p.deadline);
  }

  @Override
  public int hashCode() {
    return Objects.hash(initialBackoff, maxBackoff, multiplier, maxAttempts, jitter, deadline);
  }

  @Override
  public String toString() {
    if (this == NONE) {
      return "RetryPolicy.none()";
    }
    return "RetryPolicy{initialBackoff="
        + initialBackoff
        + ", maxBackoff="
        + maxBackoff
        + ", multiplier="
        + multiplier
        + ", maxAttempts="
        + (maxAttempts == UNLIMITED ? "unlimited" : String.valueOf(maxAttempts))
        + ", jitter="
        + jitter
        + ", deadline="
        + (deadline == null ? "none" : deadline.toString())
        + '}';
  }
}
