package io.tally.core;

/**
 * The reasons under which components count items they gave up, as they appear as keys of {@link
 * ComponentStats#dropped()} (and as the {@code reason} tag of metrics). Every component uses these
 * names; a reason means the same thing wherever it appears.
 */
public final class DropReasons {
  private DropReasons() {}

  /** A write found the intake full for its whole write timeout: {@value}. */
  public static final String QUEUE_FULL = "queue_full";

  /**
   * A write with its own deadline ({@code offer(item, maxWait)}) found no room in time: {@value}.
   */
  public static final String ENQUEUE_TIMEOUT = "enqueue_timeout";

  /**
   * The store rejected the item itself (a value or constraint error), isolated from the rest of its
   * batch: {@value}.
   */
  public static final String REJECTED = "rejected";

  /**
   * An opt-in retry limit (attempts or time) was reached while the store kept failing: {@value}.
   */
  public static final String RETRIES_EXHAUSTED = "retries_exhausted";

  /** A failed batch found the bounded retry queue full (retry-queue mode only): {@value}. */
  public static final String RETRY_QUEUE_FULL = "retry_queue_full";

  /** {@code close()} could not write the items within its shutdown budget: {@value}. */
  public static final String SHUTDOWN = "shutdown";
}
