package io.tally.core.lastused;

import java.time.Instant;
import java.util.Map;

/**
 * The storage SPI behind a {@link LastUsedTracker}: records, for many ids at once, when each was
 * last used.
 *
 * <p>Rules every implementation must keep (the testkit's {@code LastUsedStoreContract} checks
 * them):
 *
 * <ul>
 *   <li><b>Never backwards.</b> A stored time only moves forward: writing an earlier time than the
 *       stored one leaves the stored one (SQL {@code GREATEST}). Replicas that flush out of order,
 *       and a flush repeated after an unknown outcome, are therefore harmless.
 *   <li><b>One call, one batch.</b> The whole map is written by one call, in as few statements as
 *       the database allows (the built-in PostgreSQL store uses one).
 *   <li><b>Precision.</b> A store keeps at least millisecond precision and never rounds up: the
 *       stored time lies between the given time truncated to milliseconds and the given time.
 *   <li><b>Thread-safe.</b> The tracker never calls one store concurrently, but several trackers
 *       (or replicas) may share one table.
 * </ul>
 *
 * <p>A store signals failure by throwing (the built-in stores throw {@link
 * io.tally.core.StoreException}); the tracker then keeps the entries and writes them with the next
 * flush. A store should say what kind of failure it is: {@link
 * io.tally.core.StoreException.Kind#DATA} when the database refuses a value (the tracker then
 * isolates and drops the refused entries and writes the rest), {@code TRANSIENT} for connection
 * trouble and timeouts ({@code io.tally.jdbc.SqlStates} classifies SQLStates). A store holds every
 * value the {@link io.tally.core.InputRules} allow, and refuses others with a {@code DATA} failure
 * ({@link io.tally.core.InputRules#checkLastUsedBatch(Map)}). An empty map is never passed by the
 * tracker, but a store must accept it and do nothing.
 *
 * @param <K> the id type, e.g. {@link java.util.UUID}, {@link Long} or {@link String}
 */
@FunctionalInterface
public interface LastUsedStore<K> {

  /**
   * Records that each id in {@code lastUsed} was used at its time, unless a later time is already
   * stored for it.
   *
   * @param lastUsed ids and their latest use; not modified by the store; may be empty
   * @throws io.tally.core.StoreException (or any runtime exception) if the write failed; the caller
   *     assumes nothing was written and may repeat the call
   */
  void markUsed(Map<K, Instant> lastUsed);
}
