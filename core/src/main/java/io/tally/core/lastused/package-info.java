/**
 * Component 1: {@link io.tally.core.lastused.LastUsedTracker}, which de-bounces "id was used"
 * events in memory and writes the latest time per id to a {@link
 * io.tally.core.lastused.LastUsedStore} in one call per flush.
 *
 * <h2>Guarantees and choices</h2>
 *
 * <ul>
 *   <li><b>Hot path.</b> {@code markUsed} is lock-free: a concurrent-map lookup plus an insert or a
 *       compare-and-set, and two striped counters. It reads the clock only for {@code markUsed(id)}
 *       in {@link io.tally.core.lastused.TimestampMode#EVENT_TIME}, never logs and never waits on
 *       the store.
 *   <li><b>Nothing lost to a racing flush.</b> A flush drains the pending map key by key ({@code
 *       remove(key)}) instead of swapping maps, so a {@code markUsed} running at the same moment
 *       either reaches this flush or stays for the next one.
 *   <li><b>Single flight, serialised.</b> Flushes never overlap. A {@code flush()} called while
 *       another flush runs waits for it and then flushes again, so its result covers every {@code
 *       markUsed} that returned before the call. The timer re-arms after each flush ends (fixed
 *       delay on the clock), so a slow store never causes flushes to pile up.
 *   <li><b>Timeouts.</b> The store is called on one daemon thread ({@code tally-<name>-1}) and
 *       waited for at most {@code flushTimeout} of real time; on timeout that call is interrupted
 *       and its entries are kept. A store call that ignores the interrupt keeps the I/O thread, so
 *       later flushes queue behind it and time out too (health turns DEGRADED, then FAILING) rather
 *       than running two store calls at once. A call that commits after its timeout is harmless:
 *       the entries are written again later and the store keeps the greater time.
 *   <li><b>Failures.</b> A failed or timed-out batch folds back into the pending map (latest time
 *       per id wins; an entry folded into a newer one counts as {@code coalesced}). The first
 *       failure in a row logs WARN, the following ones ERROR with the consecutive count; {@code
 *       health()} follows the {@link io.tally.core.HealthPolicy}. Memory grows with the number of
 *       distinct ids, not with the number of calls.
 *   <li><b>Input rules.</b> {@code markUsed} checks the {@link io.tally.core.InputRules} before
 *       anything is recorded: a time outside {@code 1000-01-01T00:00:00Z ..
 *       9999-12-31T23:59:59.999999999Z}, or a {@code String} id with NUL, a lone surrogate or more
 *       than 255 UTF-16 code units, throws {@link java.lang.IllegalArgumentException} naming the
 *       value and the rule.
 *   <li><b>Poison isolation.</b> A batch the store rejects for its data ({@link
 *       io.tally.core.StoreException.Kind#DATA}, e.g. a constraint of the user's table) is bisected
 *       within the same flush and its timeout: halves are written on their own until the rejected
 *       entries are alone; those are dropped, counted under {@code
 *       stats().dropped().get("rejected")} and logged at ERROR with their ids (up to 10), and the
 *       rest is written. A store that does not classify its failures ({@code UNKNOWN}) gets the
 *       same after 3 failures in a row, but there a single failing entry is dropped only if another
 *       part of the batch was written in that flush (proof that the store works), so a store that
 *       is down never loses entries. A transient failure or a timeout during the bisection ends it;
 *       the entries not yet written are kept.
 *   <li><b>Close.</b> {@code close()} cancels the timer, waits for a running flush and makes a
 *       final flush, all within {@code shutdownTimeout} of real time. Entries it could not write
 *       are counted under {@code stats().dropped().get("shutdown")} and logged at ERROR with their
 *       count. {@code flush()} after close returns {@code EMPTY} without calling the store; {@code
 *       markUsed} after close throws {@link java.lang.IllegalStateException}, and so does a {@code
 *       markUsed} that passed its closed check just before {@code close()} finished: its entry is
 *       then counted as accepted and as dropped ({@code shutdown}), never left pending ({@code
 *       close()} marks itself finished before its last drain, and {@code markUsed} checks that mark
 *       after its insert, so one of the two always finds the entry).
 *   <li><b>Flush-time mode.</b> In {@link io.tally.core.lastused.TimestampMode#FLUSH_TIME} every id
 *       in a batch is written with the clock's time read when that flush starts; the times passed
 *       to {@code markUsed(id, at)} are ignored. A flush whose clock time lies outside the storable
 *       range fails and keeps its entries (no store could hold that time).
 *   <li><b>Stats.</b> {@code accepted == flushedRows + coalesced + pending + droppedTotal} holds
 *       exactly whenever no {@code markUsed} is running, also in a snapshot taken in the middle of
 *       a flush: a flush moves entries (drained into the batch being written, then written, folded
 *       back or dropped) under the lock {@code stats()} reads them with, and counts the batch being
 *       written as {@code pending}. A snapshot taken while {@code markUsed} calls run may be off by
 *       those calls (counted as accepted just before their entry is stored).
 *   <li><b>Listeners</b> see every flush the tracker makes, including {@code EMPTY} ones, on the
 *       flushing thread.
 * </ul>
 */
@NullMarked
package io.tally.core.lastused;

import org.jspecify.annotations.NullMarked;
