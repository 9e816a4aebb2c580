package io.tally.core.batch;

/** What a {@link Batcher} does with a batch whose write failed. */
public enum RetryMode {
  /**
   * The failed batch goes, as it is, to a bounded retry queue ({@code retryQueueCapacity}
   * batches); the queue's head is retried with backoff until it succeeds, runs out of attempts or
   * passes the retry deadline. A batch that finds the queue full is dropped
   * ({@code retry_queue_full}). The default without a coalescing rule.
   */
  RETRY_QUEUE,

  /**
   * The failed batch merges back into the pending batch by key, so newer data for a key wins
   * (through the merge rule). The next flush waits for the retry backoff. The default with a
   * coalescing rule.
   *
   * <p>Memory is bounded: the pending batch (keyed and keyless items together, including a
   * batch being written) never holds more than {@code maxPendingItems} items. At the bound the
   * worker takes the queue's head only if it merges into a pending item with the same key (which
   * does not grow the batch); otherwise it stops taking items, the queue fills, and writers block
   * for {@code writeTimeout} and then fail with {@code queue_full}, exactly as when the queue is
   * full. So at most {@code maxPendingItems + queueCapacity} items are held in memory.
   */
  MERGE_BACK
}
