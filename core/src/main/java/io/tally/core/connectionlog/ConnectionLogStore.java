package io.tally.core.connectionlog;

import io.tally.core.batch.BatchStore;
import java.util.List;

/**
 * Stores connection-log events, one row per session: the {@link BatchStore} a
 * {@code Batcher<ConnectionEvent>} writes to.
 *
 * <p>A row is identified by {@code (connectionId, workspaceId, agentName)} when the connection
 * id is present; events without a connection id are rows of their own, identified by their
 * {@code id}. {@link #upsertBatch(List)} must:
 *
 * <ul>
 *   <li>write the batch in one statement where the database allows it, after merging events of
 *       one row inside the batch ({@link ConnectionEvents#coalesceForStore(List)});
 *   <li>insert a row that does not exist yet, with the event's id as row id;
 *   <li>for an existing row: move {@code connect_time} only earlier; fill in or move
 *       {@code disconnect_time} only later, and take the disconnect reason and code only with a
 *       disconnect time that fills in or moves later; never erase a disconnect (a later connect
 *       changes nothing but, if earlier, the connect time); keep every other column;
 *   <li>insert an event without a connection id once: writing it again (a retried batch) changes
 *       nothing;
 *   <li>be idempotent: writing a batch twice leaves what writing it once left.
 * </ul>
 *
 * <p>Connection types are stored by {@link ConnectionType#wireName()}. The testkit's
 * {@code ConnectionLogStoreContract} checks all of this.
 */
public interface ConnectionLogStore extends BatchStore<ConnectionEvent> {

  /**
   * Upserts the events by the rules in the interface comment.
   *
   * @param batch the events; may hold several events of one row
   * @throws RuntimeException ({@code io.tally.core.StoreException} for the built-in stores) if
   *     the batch was not written; nothing of it was committed, or all of it was
   */
  @Override
  void upsertBatch(List<ConnectionEvent> batch);
}
