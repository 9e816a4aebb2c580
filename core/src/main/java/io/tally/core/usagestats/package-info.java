/**
 * Usage statistics across replicas: {@link io.tally.core.usagestats.UsageStatsTracker} counts on
 * each replica, {@link io.tally.core.usagestats.UsageStatsReporter} reports each period once,
 * {@link io.tally.core.usagestats.UsageStatsStore} is the storage SPI and {@link
 * io.tally.core.usagestats.UsageSummary} the result.
 *
 * <h2>Model (kept from Coder's control plane (Go), Tally's reference design)</h2>
 *
 * One stored row per replica. Each tracker keeps the unique workspace and user ids of its current
 * period (cumulative), those tracked since its last flush (delta), and the request counts since its
 * last flush. A flush that INSERTs the replica's row (the reporter deleted it, so a new period
 * began) writes the delta unique counts; one that UPDATEs writes the cumulative unique counts;
 * request counts always add up in the database. After an INSERT the cumulative sets restart from
 * that flush's delta sets. The reporter sums all rows and deletes them in one transaction, under
 * the same lock as the flushes.
 *
 * <h2>What Tally does beyond Coder's control plane</h2>
 *
 * <ul>
 *   <li><b>Exact unique counts.</b> Every flush also records its ids new to the period as members
 *       of the period ({@code usage_stats_members}: replica, kind, id). The summary counts distinct
 *       ids over the members of the counted replicas, so an id seen by three replicas counts once.
 *       Each replica's own counts stay in its row ({@link
 *       io.tally.core.usagestats.UsageSummary#replicas()}).
 *   <li><b>The period's cumulative sets survive flushes.</b> They are reset only when a flush
 *       INSERTs, not after every flush, so an UPDATE writes the period's uniques, not one flush
 *       interval's.
 *   <li><b>Nothing lost, nothing counted twice.</b> A failed flush keeps its snapshot and the next
 *       flush re-sends it before anything newer (see below).
 *   <li><b>Final flush on {@code close()}</b>, bounded by the shutdown timeout (real time): a
 *       failed attempt is retried with a short backoff (10 ms doubling to 500 ms) while the budget
 *       lasts; only what is still not written when it ends is counted as dropped (reason {@value
 *       io.tally.core.DropReasons#SHUTDOWN}) and logged at ERROR.
 * </ul>
 *
 * <h2>Flush algorithm</h2>
 *
 * <ol>
 *   <li>{@code track} adds the ids to the delta sets and the counts to the delta counters under a
 *       short lock. Counts saturate: a sum that would pass {@link java.lang.Long#MAX_VALUE} stays
 *       there ({@code saturatedCalls()} counts such calls, and the stores saturate their stored
 *       totals and sums the same way), so no input makes a count wrap or a flush fail.
 *   <li>A flush (single-flight) first finishes the <em>in-doubt</em> snapshot, if a previous flush
 *       failed: its failed chunk is re-sent alone with its original sequence number, then its
 *       remaining chunks. Only when that succeeds does it go on. Then, if anything was tracked
 *       since the previous snapshot, it swaps the delta sets and counters for empty ones under the
 *       short lock (so usage tracked while the store call runs goes to the next flush).
 *   <li><b>Only ids new to the period are sent.</b> The snapshot's ids already in the cumulative
 *       sets (recorded in this replica's period by an earlier flush) are kept aside; the rest are
 *       sent in <b>chunks</b> of at most {@code maxIdsPerCall} ids (default 100,000), each a {@link
 *       io.tally.core.usagestats.UsageFlush} with the next sequence number and its own transaction.
 *       The request counts go with the first chunk. Before a chunk is sent its ids are added to the
 *       cumulative sets, whose sizes it carries.
 *   <li>The store, in one transaction holding the stats lock, compares the chunk's {@code (session,
 *       sequence)} with the replica's stored last sequence (a table the period reset does not
 *       clear). If it was already applied it changes nothing and says how it was applied (insert or
 *       update); otherwise it upserts the row, records the members, and stores the sequence and
 *       whether it inserted, in the same transaction.
 *   <li>If a chunk inserted the row (now or by the earlier attempt), a collection had ended the
 *       replica's period: the cumulative sets restart from that chunk's ids, and if that chunk
 *       carried the request counts, the ids kept aside are sent too (as further chunks), so the new
 *       period records every id its requests were tracked with. A collection between two chunks of
 *       one snapshot is harmless: each chunk lands in exactly one period.
 *   <li>When every chunk is written the snapshot's track calls count as written.
 *   <li>On any failure, timeouts included, the chunk stays the in-doubt chunk. Tally cannot tell a
 *       rolled-back transaction from one that committed before the connection broke, so it treats
 *       both alike: re-sending the same chunk with the same sequence number applies it exactly once
 *       either way. Merging it with newer usage under a new sequence number would count it twice if
 *       the first attempt had in fact committed. A timed-out call that commits late is harmless
 *       too: whichever of it and its retry takes the lock second sees the sequence already applied.
 *       The one exception is a failure the store classifies as {@link
 *       io.tally.core.StoreException.Kind#DATA} (the data itself was refused, the transaction
 *       rolled back): retrying cannot help, so the rest of the snapshot is given up, counted as
 *       dropped (reason {@code rejected}) if its counts were not written, and logged at ERROR.
 * </ol>
 *
 * <p>Sequence numbers are compared only within a <em>session</em>, a random id per tracker
 * instance, so a restarted replica that reuses its replica id starts afresh instead of being
 * mistaken for a replay. Each replica id must belong to one running tracker at a time.
 *
 * <h2>Periods, claims and late usage</h2>
 *
 * The reporter's period ends at {@code now} truncated to the period length since the epoch; {@code
 * periodStart = periodEnd - period}. The store records a claim keyed by the period end in the same
 * transaction that sums and deletes the rows, so exactly one reporter gets each period.
 *
 * <p><b>No usage is discarded as stale.</b> A collection sums every replica row present, however
 * long ago it was written: usage written and not yet collected lands in the next summary. So a
 * replica that was idle, or failing, for several periods, and a snapshot re-sent after an outage
 * with its original time, are counted by the first collection after they are written (in the period
 * the collection reports, not the period they were tracked in). No rule discards written usage.
 * Unique counts are exact across replicas for the ids recorded by the collected rows.
 *
 * <p><b>A claim keeps its summary.</b> The claim row stores the summary it returned (totals and
 * replica rows). A store {@code collectAndReset} for a period already claimed by the same reporter
 * id returns that summary again and changes nothing. The reporter keeps in memory the periods whose
 * call threw or timed out (<em>in doubt</em>: the claim may have committed, say its COMMIT reply
 * was lost) and asks the store again for them, oldest first, at the start of every later call,
 * whatever the current period: a committed claim yields its stored summary, one that did not commit
 * is made then (counting every row present). So within one reporter instance every summary claimed
 * for it is returned exactly once: {@code collectAndReset()} returns the oldest one it has not
 * returned and leaves the current period to the next call, {@code collectAll()} returns them all.
 * {@code close()} logs at ERROR the periods still in doubt and the summaries obtained but not
 * returned (after a failed {@code collectAll()}). A reporter restarted with the same id (the {@code
 * Tally} facade uses the replica id) gets a summary it claimed and never returned only if its first
 * call asks for that same period, and may then return it a second time, so a consumer keys on the
 * period start if it must not count a period twice; a claim of an earlier period whose reply was
 * lost just before the process stopped is not returned after a restart (limit: its summary stays in
 * the claims table until the retention ends). Claims (with their summaries) and the sequence rows
 * of replicas that stopped flushing are deleted by a collection once older than {@link
 * io.tally.core.usagestats.UsageStatsStore#RETENTION} (7 days). The reporter's call is bounded by
 * its timeout (real time, default 10 s).
 *
 * <h2>Cost</h2>
 *
 * A flush of a chunk is one store transaction; the PostgreSQL store sends it as one pipelined round
 * trip plus the commit, and writes the members of a large chunk with a binary {@code COPY}. The
 * members table holds, per period, one row per (replica, kind, id) recorded (a restarted tracker
 * may record an id again; the collection counts distinct ids by hashing, linear in the rows). A
 * collection empties it: PostgreSQL with {@code TRUNCATE} (constant time, no dead rows; plain
 * {@code DELETE}, left to autovacuum, if the user lacks the privilege), H2 with {@code DELETE}. In
 * memory a tracker holds its cumulative and delta sets, bounded by the number of distinct ids it
 * sees in a period.
 *
 * <p>Measured on PostgreSQL 15, on a 2-core machine busy with other work: a flush of 1M new ids 2-6
 * s (ten chunks; 22 s before the changes above), a collection of 1M members 1-3 s; counting 3M
 * members alone took 4-15 s. A collection that outlasts the reporter's timeout is not lost: its
 * transaction goes on, and once it commits the same reporter's next call returns its summary. With
 * millions of ids per period, give the reporter a timeout to match.
 *
 * <h2>Statistics</h2>
 *
 * For the tracker, one item is one {@code track} call: {@code accepted} counts them, {@code
 * flushedRows} those written by successful store calls, {@code pending} those in memory (deltas
 * plus the snapshot in flight or in doubt), {@code coalesced} is always 0, and {@code dropped}
 * holds what {@code close()} could not write ({@code shutdown}) and what the store rejected as bad
 * data ({@code rejected}); so {@code accepted == flushedRows + pending + dropped} at all times. The
 * reporter's {@code flushes} count collections that returned a summary.
 */
@NullMarked
package io.tally.core.usagestats;

import org.jspecify.annotations.NullMarked;
