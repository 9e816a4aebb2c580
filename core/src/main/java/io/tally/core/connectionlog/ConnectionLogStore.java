package io.tally.core.connectionlog;

import io.tally.core.batch.BatchStore;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Stores connection-log events, one row per session: the {@link BatchStore} a {@code
 * Batcher<ConnectionEvent>} writes to.
 *
 * <p>A row is identified by {@code (connectionId, workspaceId, agentName)} when the connection id
 * is present; events without a connection id are rows of their own, identified by their {@code id}.
 * {@link #upsertBatch(List)} must:
 *
 * <ul>
 *   <li>write the batch in one statement where the database allows it, after merging events of one
 *       row inside the batch ({@link ConnectionEvents#coalesceForStore(List)});
 *   <li>insert a row that does not exist yet, with the event's id as row id;
 *   <li>for an existing row: move {@code connect_time} only earlier; fill in or move {@code
 *       disconnect_time} only later, and take the disconnect reason and code only with a disconnect
 *       time that fills in or moves later; never erase a disconnect (a later connect changes
 *       nothing but, if earlier, the connect time); keep every other column;
 *   <li>insert an event without a connection id once: writing it again (a retried batch) changes
 *       nothing;
 *   <li>be idempotent: writing a batch twice leaves what writing it once left.
 * </ul>
 *
 * <p>Connection types are stored by {@link ConnectionType#wireName()}. The testkit's {@code
 * ConnectionLogStoreContract} checks all of this.
 *
 * <p>Retention ({@link ConnectionLogRetention}) needs two more methods, {@link
 * #deleteOlderThan(Instant, int)} and {@link #tryLockRetention()}. Both are {@code default} methods
 * that throw {@link UnsupportedOperationException}, so a store written before them still compiles
 * and works; building a retention component over such a store fails at once, naming the store
 * class.
 */
public interface ConnectionLogStore extends BatchStore<ConnectionEvent> {

  /**
   * Upserts the events by the rules in the interface comment.
   *
   * @param batch the events; may hold several events of one row
   * @throws RuntimeException ({@code io.tally.core.StoreException} for the built-in stores) if the
   *     batch was not written; nothing of it was committed, or all of it was
   */
  @Override
  void upsertBatch(List<ConnectionEvent> batch);

  /**
   * Deletes at most {@code limit} rows whose connect time is before {@code cutoff} (exclusive: a
   * row whose connect time equals {@code cutoff} stays), oldest connect time first, in one short
   * transaction of its own. Rows without a disconnect time are deleted by their connect time too.
   * Called repeatedly by {@link ConnectionLogRetention} until it returns less than {@code limit}.
   *
   * @param cutoff rows connected before this instant are deleted
   * @param limit the most rows to delete in this call; at least 1
   * @return how many rows were deleted, 0 to {@code limit}
   * @throws NullPointerException if {@code cutoff} is null
   * @throws IllegalArgumentException if {@code limit} is less than 1
   * @throws UnsupportedOperationException if the store does not implement retention (the default)
   * @throws RuntimeException ({@code io.tally.core.StoreException} for the built-in stores) if the
   *     delete failed; nothing of it was committed
   */
  default int deleteOlderThan(Instant cutoff, int limit) {
    throw unsupported(this, "deleteOlderThan(Instant, int)");
  }

  /**
   * Tries, without waiting, to take the lock that lets one replica at a time run retention over
   * this store's table. The lock is held until the returned {@link RetentionLock} is closed, across
   * many {@link #deleteOlderThan(Instant, int)} calls (each its own transaction); a holder that
   * dies releases it (PostgreSQL: a session-level advisory lock on a connection held for the run).
   *
   * @return the held lock, or empty when another holder has it (the caller skips its run)
   * @throws UnsupportedOperationException if the store does not implement retention (the default)
   * @throws RuntimeException ({@code io.tally.core.StoreException} for the built-in stores) if the
   *     database could not be asked
   */
  default Optional<RetentionLock> tryLockRetention() {
    throw unsupported(this, "tryLockRetention()");
  }

  private static UnsupportedOperationException unsupported(Object store, String method) {
    return new UnsupportedOperationException(
        store.getClass().getName()
            + " does not implement ConnectionLogStore."
            + method
            + ", which connection-log retention (tally.connection-log.retention) needs");
  }

  /** A held retention lock (see {@link #tryLockRetention()}); closing it releases it. */
  interface RetentionLock extends AutoCloseable {
    /**
     * Releases the lock. Idempotent.
     *
     * @throws RuntimeException if releasing failed; the store has then made sure the lock is freed
     *     anyway (for example by ending the session that held it). The retention component logs it.
     */
    @Override
    void close();
  }
}
