package io.tally.core.batch;

import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Moves items from the {@link Intake} into the {@link PendingBatch} within the memory bound ({@code
 * maxPendingItems}, a {@link PendingBound} that the shards of one batcher share), counting each
 * step in the {@link BatchCounters}. Worker only.
 *
 * <p>At the bound the queue's head is taken only if it merges into a pending item of its key (which
 * does not grow the batch); otherwise it stays queued and is remembered as blocked, so the worker
 * stops waking for queued items until room frees up ({@link #lookAgain()}). Items keep their order:
 * an item that would merge but waits behind a blocked head is not taken ahead of it.
 *
 * @param <T> the item type
 */
final class IntakeDrain<T> {
  private static final int CHUNK = 256;

  private final Intake<T> intake;
  private final PendingBatch<T> pending;
  private final BatchCounters counters;
  private final PendingBound bound;
  private final List<T> buffer = new ArrayList<>(CHUNK);

  /** The queue's head, looked at at the bound, that could not merge; or null. */
  private @Nullable T blockedHead;

  IntakeDrain(
      Intake<T> intake, PendingBatch<T> pending, BatchCounters counters, PendingBound bound) {
    this.intake = intake;
    this.pending = pending;
    this.counters = counters;
    this.bound = bound;
  }

  /**
   * True when the worker should wake for queued items: there is room within the bound, or the
   * queue's head has not been looked at since the bound was reached.
   */
  boolean canTake() {
    return blockedHead == null || bound.hasRoom();
  }

  /** Moves queued items into the pending batch while the workers hold fewer than the bound. */
  void drain() {
    while (true) {
      int room = bound.reserve(CHUNK);
      if (room <= 0) {
        if (mergeHeadAtBound()) {
          continue;
        }
        return;
      }
      blockedHead = null;
      buffer.clear();
      int n = counters.drain(intake, buffer, room);
      bound.release(room - n);
      if (n == 0) {
        return;
      }
      addAll(buffer);
      buffer.clear();
    }
  }

  /** Moves everything queued into the pending batch, whatever the bound (closing). */
  void takeAll() {
    List<T> all = new ArrayList<>();
    bound.add(counters.drain(intake, all, Integer.MAX_VALUE));
    addAll(all);
  }

  /** Puts held items back into the pending batch, as the earlier ones of their keys. */
  void mergeBack(List<T> items) {
    for (T item : items) {
      if (pending.mergeBack(item)) {
        counters.coalesced();
      }
    }
    lookAgain();
  }

  /** The batch or the bound changed: look at the queue's head again. */
  void lookAgain() {
    blockedHead = null;
  }

  private void addAll(List<T> items) {
    for (T item : items) {
      if (pending.add(item)) {
        counters.coalesced();
      }
    }
  }

  private boolean mergeHeadAtBound() {
    if (blockedHead != null) {
      return false;
    }
    T head = intake.peek();
    if (head == null) {
      return false;
    }
    if (!pending.mergeIfKeyPending(head)) {
      blockedHead = head;
      return false;
    }
    // only the worker takes from the queue, so the head looked at is the one taken
    buffer.clear();
    bound.add(counters.drain(intake, buffer, 1));
    buffer.clear();
    counters.coalesced();
    return true;
  }
}
