package io.tally.core.batch;

import java.util.ArrayDeque;
import java.util.List;

/**
 * The failed batches of {@link RetryMode#RETRY_QUEUE}, kept as they were, oldest first, at most
 * {@code capacity} of them. Plain state: worker only.
 *
 * @param <T> the item type
 */
final class RetryQueue<T> {
  /** A failed batch and its retries. */
  static final class Entry<T> {
    final List<T> items;
    final long firstFailure; // clock nanos
    int attempts;

    Entry(List<T> items, long firstFailure) {
      this.items = items;
      this.firstFailure = firstFailure;
    }
  }

  private final ArrayDeque<Entry<T>> batches = new ArrayDeque<>();
  private final int capacity;
  private int items;

  RetryQueue(int capacity) {
    this.capacity = capacity;
  }

  boolean isFull() {
    return batches.size() >= capacity;
  }

  int capacity() {
    return capacity;
  }

  boolean isEmpty() {
    return batches.isEmpty();
  }

  /** @return the items of every queued batch */
  int items() {
    return items;
  }

  /** Queues a failed batch (also past the capacity: the caller decides). */
  void add(List<T> batch, long firstFailure) {
    batches.add(new Entry<>(batch, firstFailure));
    items += batch.size();
  }

  /** @return the oldest batch, or null */
  Entry<T> head() {
    return batches.peek();
  }

  /** Removes and returns the oldest batch, or null. */
  Entry<T> poll() {
    Entry<T> head = batches.poll();
    if (head != null) {
      items -= head.items.size();
    }
    return head;
  }
}
