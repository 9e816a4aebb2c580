package io.tally.core.batch;

import io.tally.core.DropReasons;
import io.tally.core.FlushResult;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * {@link RetryMode#RETRY_QUEUE}: failed batches kept as they were, oldest first, at most {@code
 * capacity} of them; only the head is retried, when its backoff is due. Worker only.
 *
 * @param <T> the item type
 */
final class RetryQueue<T> {
  /** A failed batch and its retries. */
  private static final class Entry<T> {
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
  private final RetryBackoff backoff;
  private final BatchCounters counters;
  private int items;
  private boolean headDue;

  RetryQueue(int capacity, RetryBackoff backoff, BatchCounters counters) {
    this.capacity = capacity;
    this.backoff = backoff;
    this.counters = counters;
  }

  /**
   * @return the items of every queued batch
   */
  int items() {
    return items;
  }

  /**
   * A batch from the pending batch failed: queues it, or drops it when the policy allows no retry
   * or the queue is full. While closing it is always queued, for its last attempt.
   */
  void failed(List<T> batch, FlushResult result, long now, boolean closing) {
    Throwable cause = result.failure().orElse(null);
    if (backoff.policy().maxAttempts() == 0) {
      counters.drop(
          DropReasons.RETRIES_EXHAUSTED, batch.size(), "the retry policy allows no retry", cause);
      return;
    }
    if (!closing && batches.size() >= capacity) {
      String why = "the retry queue already holds " + capacity + " batches";
      counters.drop(DropReasons.RETRY_QUEUE_FULL, batch.size(), why, cause);
      return;
    }
    batches.add(new Entry<>(batch, now));
    items += batch.size();
    if (!closing && !backoff.isScheduled() && !headDue) {
      scheduleHead(result);
    }
  }

  /** The backoff signalled: the head's retry is due (started when no call runs). */
  void due() {
    headDue = !batches.isEmpty();
  }

  /**
   * @return the head's items if its retry is due (counting the attempt), else null
   */
  List<T> takeDue() {
    Entry<T> head = headDue ? batches.peek() : null;
    headDue = false;
    if (head == null) {
      return null;
    }
    head.attempts++;
    return head.items;
  }

  /** The head's retry succeeded: the next head is tried at once (the store is back). */
  void headWritten() {
    poll();
    if (!batches.isEmpty()) {
      backoff.cancel();
      backoff.schedule(Duration.ZERO);
    }
  }

  /** Schedules the head's next retry, dropping heads whose policy allows no other. */
  void scheduleHead(FlushResult result) {
    Entry<T> head;
    while ((head = batches.peek()) != null) {
      Duration delay = backoff.nextDelay(head.attempts, head.firstFailure);
      if (delay != null) {
        backoff.schedule(delay);
        return;
      }
      poll();
      String why = "gave up after " + head.attempts + " retries";
      counters.drop(
          DropReasons.RETRIES_EXHAUSTED, head.items.size(), why, result.failure().orElse(null));
    }
  }

  /** Removes and returns the oldest batch's items, or null. */
  @Nullable List<T> poll() {
    Entry<T> head = batches.poll();
    if (head == null) {
      return null;
    }
    items -= head.items.size();
    return head.items;
  }
}
