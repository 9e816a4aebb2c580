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
   * (through the merge rule) and memory is bounded by the number of distinct keys, plus
   * {@code maxPendingItems} keyless items; past that bound intake blocks as when the queue is
   * full. The next flush waits for the retry backoff. The default with a coalescing rule.
   */
  MERGE_BACK
}
