package io.tally.core.lastused;

import io.tally.core.StoreException;
import io.tally.core.StoreException.Kind;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeoutException;
import java.util.function.BiFunction;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;

/**
 * Isolates the entries a store rejects from a failed last-used batch by bisection: the batch is
 * split in halves, each half written on its own, and a half that fails for its data is split again,
 * until the rejected entries are alone. Plain state, no threads: the tracker supplies the store
 * call.
 *
 * <p>Rules. A part that fails with {@link Kind#DATA} is split; a single entry that fails with
 * {@code DATA} is rejected. When the batch failed with {@link Kind#UNKNOWN} (a store that does not
 * classify, after a few failures in a row), parts failing with {@code UNKNOWN} are split the same
 * way, but a single entry failing so is only a suspect: suspects are rejected only if some other
 * part of the batch was written in this run (evidence that the store works and the entry itself is
 * the problem) and a second try of the suspect alone fails too; otherwise they are kept. A {@link
 * Kind#TRANSIENT} failure, a timeout or the deadline ends the run: what was not written yet is kept
 * for the next flush.
 *
 * @param <K> the id type
 */
final class Isolation<K> {
  private final BiFunction<Map<K, Instant>, Duration, Throwable> write;
  private final LongSupplier nanoTime;
  private final long deadline;
  private final boolean unknownMode;

  final Map<K, Instant> written = new HashMap<>();
  final Map<K, Instant> rejected = new LinkedHashMap<>();
  final Map<K, Instant> kept = new HashMap<>();
  private final Map<K, Instant> suspects = new LinkedHashMap<>();

  /** What made the run stop early, or the last failure seen; null if none. */
  @Nullable Throwable lastFailure;

  /** The failure that rejected each rejected entry (the first one), for the log. */
  Throwable rejectedBy;

  private boolean stopped;

  /**
   * @param write writes a part within a timeout; returns null on success or what it threw
   * @param nanoTime real time, for the deadline
   * @param deadline when the run must end, in {@code nanoTime} units
   * @param batchKind the kind of the failure that started the run
   */
  Isolation(
      BiFunction<Map<K, Instant>, Duration, Throwable> write,
      LongSupplier nanoTime,
      long deadline,
      Kind batchKind) {
    this.write = write;
    this.nanoTime = nanoTime;
    this.deadline = deadline;
    this.unknownMode = batchKind == Kind.UNKNOWN;
  }

  /**
   * Runs the isolation over a batch whose write just failed with {@code failure}.
   *
   * @param batch the failed batch
   * @param failure what its write threw
   */
  void run(Map<K, Instant> batch, Throwable failure) {
    split(new ArrayList<>(batch.entrySet()), failure);
    if (written.isEmpty()) {
      kept.putAll(suspects);
      return;
    }
    for (Map.Entry<K, Instant> e : suspects.entrySet()) {
      // a second try alone, so a store failing now and then loses nothing it could write
      long remaining = deadline - nanoTime.getAsLong();
      Throwable again =
          stopped || remaining <= 0
              ? null
              : write.apply(Map.of(e.getKey(), e.getValue()), Duration.ofNanos(remaining));
      if (stopped || remaining <= 0 || isStop(again)) {
        stopped = true;
        kept.put(e.getKey(), e.getValue());
      } else if (again == null) {
        written.put(e.getKey(), e.getValue());
      } else {
        rejected.put(e.getKey(), e.getValue());
      }
    }
  }

  private void split(List<Map.Entry<K, Instant>> part, Throwable failure) {
    if (part.size() == 1) {
      Map.Entry<K, Instant> e = part.get(0);
      if (StoreException.kindOf(failure) == Kind.DATA) {
        rejected.put(e.getKey(), e.getValue());
        rejectedBy = rejectedBy == null ? failure : rejectedBy;
      } else {
        suspects.put(e.getKey(), e.getValue());
        rejectedBy = rejectedBy == null ? failure : rejectedBy;
      }
      return;
    }
    int mid = part.size() / 2;
    attempt(part.subList(0, mid));
    attempt(part.subList(mid, part.size()));
  }

  private void attempt(List<Map.Entry<K, Instant>> half) {
    long remaining = deadline - nanoTime.getAsLong();
    if (stopped || remaining <= 0) {
      stopped = true;
      keep(half);
      return;
    }
    Map<K, Instant> map = new HashMap<>(half.size() * 4 / 3 + 1);
    for (Map.Entry<K, Instant> e : half) {
      map.put(e.getKey(), e.getValue());
    }
    Throwable failure = write.apply(map, Duration.ofNanos(remaining));
    if (failure == null) {
      written.putAll(map);
      return;
    }
    lastFailure = failure;
    if (isStop(failure)) {
      stopped = true;
      keep(half);
      return;
    }
    split(half, failure);
  }

  /** Whether a failure ends the run: transient, a timeout, an interrupt, or not isolated here. */
  private boolean isStop(Throwable failure) {
    if (failure == null) {
      return false;
    }
    Kind kind = StoreException.kindOf(failure);
    boolean isolate = kind == Kind.DATA || (unknownMode && kind == Kind.UNKNOWN);
    return !isolate
        || failure instanceof TimeoutException
        || failure instanceof InterruptedException;
  }

  private void keep(List<Map.Entry<K, Instant>> part) {
    for (Map.Entry<K, Instant> e : part) {
      kept.put(e.getKey(), e.getValue());
    }
  }
}
