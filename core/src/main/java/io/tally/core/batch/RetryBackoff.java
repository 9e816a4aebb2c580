package io.tally.core.batch;

import io.tally.core.Clock;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import org.jspecify.annotations.Nullable;

/**
 * A batcher's retry strategy: when the next retry may start, by the {@link RetryPolicy}, with the
 * delay taken from the {@link Clock} and its jitter from a random draw; and the one retry task it
 * may have scheduled. Also counts the run of consecutive failed flushes in {@link
 * RetryMode#MERGE_BACK}. Not thread-safe: worker only.
 */
final class RetryBackoff {
  private final RetryPolicy policy;
  private final Clock clock;
  private final Runnable onDue;
  private Clock.Cancellable task;
  private boolean backingOff;
  private int streak; // failed flushes since the last success
  private long streakStart;

  RetryBackoff(RetryPolicy policy, Clock clock, Runnable onDue) {
    this.policy = policy;
    this.clock = clock;
    this.onDue = onDue;
  }

  RetryPolicy policy() {
    return policy;
  }

  /**
   * @param retriesDone retries already made
   * @param firstFailure clock nanos of the first failure
   * @return the delay before the next retry, or null when the policy allows none
   */
  @Nullable Duration nextDelay(int retriesDone, long firstFailure) {
    if (retriesDone >= policy.maxAttempts()) {
      return null;
    }
    Duration delay = policy.delay(retriesDone + 1, ThreadLocalRandom.current().nextDouble());
    if (policy.hasDeadline()) {
      Duration startsAfter = Duration.ofNanos(clock.nanoTime() - firstFailure).plus(delay);
      if (startsAfter.compareTo(policy.deadline().orElseThrow()) > 0) {
        return null;
      }
    }
    return delay;
  }

  /** A flush succeeded: the run of failures ends. */
  void succeeded() {
    streak = 0;
  }

  /**
   * A flush failed (merge-back mode): counts it in the run.
   *
   * @return the failures in the run so far, this one included
   */
  int failed() {
    if (streak == 0) {
      streakStart = clock.nanoTime();
    }
    return ++streak;
  }

  /**
   * @return the delay before the run's next retry, or null when the policy allows none
   */
  @Nullable Duration nextDelayOfRun() {
    return nextDelay(streak - 1, streakStart);
  }

  /** Ends the run without a success (its batch was given up). */
  void giveUpRun() {
    streak = 0;
  }

  /** Merge-back mode: waits {@code delay} before the next flush. */
  void backOff(Duration delay) {
    cancel();
    backingOff = true;
    schedule(delay);
  }

  /** Schedules the retry signal after {@code delay}. */
  void schedule(Duration delay) {
    task = clock.schedule(delay, onDue);
  }

  boolean isBackingOff() {
    return backingOff;
  }

  boolean isScheduled() {
    return task != null;
  }

  /** The retry signal arrived: the task has run and the backoff is over. */
  void due() {
    task = null;
    backingOff = false;
  }

  /** Cancels the scheduled retry and ends the backoff. */
  void cancel() {
    if (task != null) {
      task.cancel();
      task = null;
    }
    backingOff = false;
  }
}
