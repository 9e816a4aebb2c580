package io.tally.core.batch;

import io.tally.core.StoreException.Kind;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Finds the items a store rejects in a failed batch by bisection, so that the good items are
 * written and only the bad ones are given up. Plain state, no threads: the worker asks for the next
 * part to write ({@link #next()}) and reports each outcome.
 *
 * <p>A run starts with a batch that failed for its data ({@link Kind#DATA}), or that failed {@link
 * Kind#UNKNOWN} {@value #UNKNOWN_FAILURES_BEFORE_BISECTING} times in a row. A failed part of two or
 * more items is split into halves, tried in breadth-first order. A single item that fails:
 *
 * <ul>
 *   <li>with {@link Kind#DATA} is rejected at once;
 *   <li>with {@link Kind#UNKNOWN} is rejected if a call of the run succeeded (the store works, so
 *       the item is the problem); otherwise it is a suspect, rejected at the end of the run if some
 *       call succeeded by then, or given back if none did.
 * </ul>
 *
 * <p>A {@link Kind#TRANSIENT} failure ends the run: everything not yet written is given back
 * (retried later with backoff). So is a run whose first {@value #OUTAGE_PROBES} calls after the
 * batch itself all failed {@link Kind#UNKNOWN} (the whole batch and two levels of halves): that is
 * an outage, not a poison. A single item alone in its batch that keeps failing {@link Kind#UNKNOWN}
 * is therefore never rejected until it shares a batch with items that can be written.
 *
 * @param <T> the item type
 */
final class Isolation<T> {
  /** Consecutive {@link Kind#UNKNOWN} failures of a batch before it is bisected: {@value}. */
  static final int UNKNOWN_FAILURES_BEFORE_BISECTING = 3;

  /** Failed calls after the batch, without any success, that make an UNKNOWN run an outage. */
  static final int OUTAGE_PROBES = 6;

  /** What the worker does after an outcome: items to give up, items to give back. */
  record Verdict<T>(List<T> rejected, List<T> givenBack) {
    static <T> Verdict<T> none() {
      return new Verdict<>(List.of(), List.of());
    }

    boolean isEmpty() {
      return rejected.isEmpty() && givenBack.isEmpty();
    }
  }

  private final ArrayDeque<List<T>> parts = new ArrayDeque<>();
  private final List<T> suspects = new ArrayList<>();
  private int items; // in parts and suspects
  private boolean sawSuccess;
  private int failuresWithoutSuccess;
  private boolean active;

  /**
   * @return true while a run is under way
   */
  boolean active() {
    return active;
  }

  /**
   * @return the items the run holds (parts not yet written and suspects)
   */
  int size() {
    return items;
  }

  /**
   * Starts a run with a batch that just failed with {@code kind}.
   *
   * @return what to do now (a single DATA item is rejected at once)
   */
  Verdict<T> start(List<T> failedBatch, Kind kind) {
    active = true;
    sawSuccess = false;
    failuresWithoutSuccess = -1; // the batch itself is not a probe
    return failed(failedBatch, kind);
  }

  /**
   * @return the next part to write, or null when none is left (the run may still hold suspects)
   */
  @Nullable List<T> next() {
    List<T> part = parts.poll();
    if (part != null) {
      items -= part.size();
    }
    return part;
  }

  /** A part handed out by {@link #next()} was written. */
  Verdict<T> succeeded() {
    sawSuccess = true;
    return finishIfDone();
  }

  /** A part handed out by {@link #next()} (or the run's batch) failed with {@code kind}. */
  Verdict<T> failed(List<T> part, Kind kind) {
    if (kind == Kind.TRANSIENT) {
      return giveBackAll(part);
    }
    if (!sawSuccess) {
      failuresWithoutSuccess++;
      if (kind == Kind.UNKNOWN && failuresWithoutSuccess >= OUTAGE_PROBES) {
        return giveBackAll(part);
      }
    }
    if (part.size() > 1) {
      int half = part.size() / 2;
      parts.add(new ArrayList<>(part.subList(0, half)));
      parts.add(new ArrayList<>(part.subList(half, part.size())));
      items += part.size();
      return finishIfDone();
    }
    if (kind == Kind.DATA || sawSuccess) {
      Verdict<T> rest = finishIfDone();
      List<T> rejected = new ArrayList<>(part);
      rejected.addAll(rest.rejected());
      return new Verdict<>(rejected, rest.givenBack());
    }
    suspects.addAll(part);
    items += part.size();
    return finishIfDone();
  }

  /** Ends the run at once, giving back everything it holds (used when closing). */
  List<T> abandon() {
    List<T> all = new ArrayList<>(items);
    parts.forEach(all::addAll);
    all.addAll(suspects);
    reset();
    return all;
  }

  private Verdict<T> giveBackAll(List<T> part) {
    List<T> back = new ArrayList<>(part);
    back.addAll(abandon());
    return new Verdict<>(List.of(), back);
  }

  private Verdict<T> finishIfDone() {
    if (!parts.isEmpty()) {
      return Verdict.none();
    }
    List<T> left = new ArrayList<>(suspects);
    boolean reject = sawSuccess;
    reset();
    return reject ? new Verdict<>(left, List.of()) : new Verdict<>(List.of(), left);
  }

  private void reset() {
    parts.clear();
    suspects.clear();
    items = 0;
    active = false;
  }
}
