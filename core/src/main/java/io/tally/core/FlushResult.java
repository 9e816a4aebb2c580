package io.tally.core;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * What one flush did: how many rows it handed to the store, how long it took and how it ended.
 * Immutable.
 */
public final class FlushResult {

  /** How a flush ended. */
  public enum Outcome {
    /** The store accepted every row. */
    SUCCESS,
    /** There was nothing to write; the store was not called. */
    EMPTY,
    /** The store threw; the rows are kept for the next flush or a retry. */
    FAILED,
    /** The store did not answer within the flush timeout; the rows are kept. */
    TIMED_OUT
  }

  private static final FlushResult EMPTY = new FlushResult(Outcome.EMPTY, 0, Duration.ZERO, null);

  private final Outcome outcome;
  private final int rows;
  private final Duration duration;
  private final @Nullable Throwable failure;

  private FlushResult(Outcome outcome, int rows, Duration duration, @Nullable Throwable failure) {
    this.outcome = outcome;
    this.rows = rows;
    this.duration = duration;
    this.failure = failure;
  }

  /**
   * A flush that wrote {@code rows} rows.
   *
   * @param rows rows written
   * @param duration how long the store call took
   * @return the result
   */
  public static FlushResult success(int rows, Duration duration) {
    return new FlushResult(
        Outcome.SUCCESS, rows, Objects.requireNonNull(duration, "duration"), null);
  }

  /**
   * @return the result of a flush that found nothing to write
   */
  public static FlushResult empty() {
    return EMPTY;
  }

  /**
   * A flush whose store call threw.
   *
   * @param rows rows that were to be written
   * @param duration how long the attempt took
   * @param failure what the store threw
   * @return the result
   */
  public static FlushResult failed(int rows, Duration duration, Throwable failure) {
    return new FlushResult(
        Outcome.FAILED,
        rows,
        Objects.requireNonNull(duration, "duration"),
        Objects.requireNonNull(failure, "failure"));
  }

  /**
   * A flush whose store call did not finish within the timeout.
   *
   * @param rows rows that were to be written
   * @param timeout the timeout that expired
   * @param failure the timeout exception
   * @return the result
   */
  public static FlushResult timedOut(int rows, Duration timeout, Throwable failure) {
    return new FlushResult(
        Outcome.TIMED_OUT,
        rows,
        Objects.requireNonNull(timeout, "timeout"),
        Objects.requireNonNull(failure, "failure"));
  }

  /**
   * @return how the flush ended
   */
  public Outcome outcome() {
    return outcome;
  }

  /**
   * @return rows written (on success) or that were to be written (on failure)
   */
  public int rows() {
    return rows;
  }

  /**
   * @return how long the store call took, or the timeout that expired
   */
  public Duration duration() {
    return duration;
  }

  /**
   * @return what the store threw, for {@code FAILED} and {@code TIMED_OUT}
   */
  public Optional<Throwable> failure() {
    return Optional.ofNullable(failure);
  }

  /**
   * @return true for {@code SUCCESS} and {@code EMPTY}: nothing is left to retry
   */
  public boolean isSuccess() {
    return outcome == Outcome.SUCCESS || outcome == Outcome.EMPTY;
  }

  @Override
  public String toString() {
    return "FlushResult{"
        + outcome
        + ", rows="
        + rows
        + ", duration="
        + duration
        + (failure == null ? "" : ", failure=" + failure)
        + '}';
  }
}
