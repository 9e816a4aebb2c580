package io.tally.core.spi;

import io.tally.core.InputRules;
import io.tally.core.connectionlog.ConnectionLogStore;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Helpers for store authors implementing the retention methods of {@link ConnectionLogStore}: the
 * checked cutoff of {@link ConnectionLogStore#deleteOlderThan}, and a retention lock for stores
 * whose replicas all run in one JVM.
 */
public final class RetentionSupport {
  /** A cutoff past every storable time: every stored row is older. */
  private static final Instant PAST_MAX =
      InputRules.MAX_TIME.truncatedTo(ChronoUnit.MICROS).plusNanos(1_000);

  private RetentionSupport() {}

  /**
   * Checks {@code cutoff} and {@code limit} and returns the cutoff to compare stored times with
   * ({@code connect_time < result}). Stored times are whole microseconds, so a cutoff with a
   * fraction of a microsecond is rounded up: a row stored at {@code 10:00:00.000000} is older than
   * a cutoff of {@code 10:00:00.0000005} and is deleted. A cutoff past {@link InputRules#MAX_TIME}
   * becomes the first microsecond after it.
   *
   * @param cutoff rows connected before it are to be deleted
   * @param limit the most rows to delete; at least 1
   * @return the cutoff for the store, or empty when no storable time is before {@code cutoff}
   *     (before {@link InputRules#MIN_TIME}), so there is nothing to delete
   * @throws NullPointerException if {@code cutoff} is null
   * @throws IllegalArgumentException if {@code limit} is less than 1
   */
  public static Optional<Instant> cutoff(Instant cutoff, int limit) {
    Objects.requireNonNull(cutoff, "cutoff");
    if (limit < 1) {
      throw new IllegalArgumentException("limit was " + limit + " but must be >= 1");
    }
    if (!cutoff.isAfter(InputRules.MIN_TIME)) {
      return Optional.empty();
    }
    if (cutoff.isAfter(InputRules.MAX_TIME)) {
      return Optional.of(PAST_MAX);
    }
    Instant micros = cutoff.truncatedTo(ChronoUnit.MICROS);
    return Optional.of(micros.equals(cutoff) ? micros : micros.plusNanos(1_000));
  }

  /**
   * Tries to take {@code lock} (one permit) as a retention lock: the returned lock gives the permit
   * back when closed, once, from any thread.
   *
   * @param lock a semaphore with one permit, shared by everything that must not run at once
   * @return the held lock, or empty if the permit is taken
   * @throws NullPointerException if {@code lock} is null
   */
  public static Optional<ConnectionLogStore.RetentionLock> tryLock(Semaphore lock) {
    if (!lock.tryAcquire()) {
      return Optional.empty();
    }
    AtomicBoolean released = new AtomicBoolean();
    return Optional.of(
        () -> {
          if (released.compareAndSet(false, true)) {
            lock.release();
          }
        });
  }
}
