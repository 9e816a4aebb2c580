package io.tally.core.batch;

/** What a {@link Batcher} does with a batch whose write failed. */
public enum RetryMode {
  /**
   * The failed batch goes, as it is, to a bounded retry queue ({@code retryQueueCapacity} batches);
   * the queue's head is retried with backoff until it succeeds or an opt-in limit of the {@link
   * RetryPolicy} is reached ({@code retries_exhausted}). A batch that finds the queue full is
   * dropped ({@code retry_queue_full}). Batches are not bisected: a batch the store rejects for its
   * data is retried like any other. Opt-in.
   */
  RETRY_QUEUE,

  /**
   * The failed batch merges back into the pending batch by key, so newer data for a key wins
   * (through the merge rule); keyless items go back to the front. The next flush waits for the
   * retry backoff. A batch the store rejects for its data is bisected until the bad items are
   * alone; only they are dropped ({@code rejected}). The default.
   *
   * <p>Memory is bounded: the worker never holds more than {@code maxPendingItems} items (the
   * pending batch, the batch being written and a batch being bisected together). At the bound the
   * worker takes the queue's head only if it merges into a pending item with the same key (which
   * does not grow the batch); otherwise it stops taking items, the queue fills, and writers block
   * for {@code writeTimeout} and then fail with {@code queue_full}, exactly as when the queue is
   * full. So at most {@code maxPendingItems + queueCapacity} items are held in memory, and items
   * already accepted are given up only by {@code close()} or an opt-in limit.
   */
  MERGE_BACK
}
