package io.tally.backend.nats;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/** Capped exponential backoff (doubling) with up to 20% jitter, and an optional attempt limit. */
final class Backoff {
  private static final double JITTER = 0.2;

  private final Duration initial;
  private final Duration max;
  private final int maxAttempts;

  /**
   * @param maxAttempts retries allowed; 0 for no limit
   */
  Backoff(Duration initial, Duration max, int maxAttempts) {
    this.initial = initial;
    this.max = max;
    this.maxAttempts = maxAttempts;
  }

  /**
   * @return the nominal (longest) delay before retry {@code attempt} (1 for the first)
   */
  Duration nominal(int attempt) {
    double nanos = initial.toNanos() * Math.pow(2.0, Math.min(attempt, 62) - 1.0);
    return nanos >= max.toNanos() ? max : Duration.ofNanos((long) nanos);
  }

  /**
   * @return the jittered delay before retry {@code attempt}, at most {@link #nominal(int)}
   */
  Duration delay(int attempt) {
    long nominal = nominal(attempt).toNanos();
    return Duration.ofNanos(
        nominal - (long) (nominal * JITTER * ThreadLocalRandom.current().nextDouble()));
  }

  /**
   * @return whether a call that has failed {@code failures} times may not be retried
   */
  boolean exhausted(int failures) {
    return maxAttempts > 0 && failures > maxAttempts;
  }

  /**
   * @return the longest delay
   */
  Duration max() {
    return max;
  }
}
