/**
 * Usage statistics across replicas: {@link io.tally.core.usagestats.UsageStatsTracker} counts on
 * each replica, {@link io.tally.core.usagestats.UsageStatsReporter} reports each period once,
 * {@link io.tally.core.usagestats.UsageStatsStore} is the storage SPI and
 * {@link io.tally.core.usagestats.UsageSummary} the result.
 *
 * <h2>Model (kept from the reference)</h2>
 *
 * One stored row per replica. Each tracker keeps the unique workspace and user ids of its current
 * period (cumulative), those tracked since its last flush (delta), and the request counts since
 * its last flush. A flush that INSERTs the replica's row (the reporter deleted it, so a new period
 * began) writes the delta unique counts; one that UPDATEs writes the cumulative unique counts;
 * request counts always add up in the database. After an INSERT the cumulative sets restart from
 * that flush's delta sets. The reporter sums all rows and deletes them in one transaction, under
 * the same lock as the flushes.
 *
 * <h2>What Tally does beyond the reference</h2>
 *
 * <ul>
 *   <li><b>Exact unique counts.</b> Every flush also records its delta ids as members of the
 *       period ({@code usage_stats_members}: replica, kind, id). The summary counts distinct ids
 *       over the members of the counted replicas, so an id seen by three replicas counts once.
 *       Each replica's own counts stay in its row ({@link
 *       io.tally.core.usagestats.UsageSummary#replicas()}).
 *   <li><b>The period's cumulative sets survive flushes.</b> They are reset only when a flush
 *       INSERTs, not after every flush, so an UPDATE writes the period's uniques, not one flush
 *       interval's.
 *   <li><b>Nothing lost, nothing counted twice.</b> A failed flush keeps its snapshot and the
 *       next flush re-sends it before anything newer (see below).
 *   <li><b>Final flush on {@code close()}</b>, bounded by the shutdown timeout; whatever could not
 *       be written is counted as dropped (reason {@code unflushed_at_close}) and logged at ERROR.
 * </ul>
 *
 * <h2>Flush algorithm</h2>
 *
 * <ol>
 *   <li>{@code track} adds the ids to the delta sets and the counts to the delta counters under a
 *       short lock. It does not touch the cumulative sets: those are updated by the flush, which
 *       adds each snapshot's delta to them, so the hot path does two set insertions, not four.
 *   <li>A flush (single-flight) first re-sends the <em>in-doubt</em> snapshot, if a previous flush
 *       failed, alone and with its original sequence number. Only when that call succeeds does it
 *       go on. Then, if anything was tracked since the previous snapshot, it swaps the delta sets
 *       and counters for empty ones under the short lock (so usage tracked while the store call
 *       runs goes to the next flush), adds the delta to the cumulative sets, numbers the snapshot
 *       with the next sequence number and hands it to the store.
 *   <li>The store, in one transaction holding the stats lock, compares the snapshot's
 *       {@code (session, sequence)} with the replica's stored last sequence (a table the period
 *       reset does not clear). If it was already applied it changes nothing and says how it was
 *       applied (insert or update); otherwise it upserts the row, records the members, and
 *       stores the sequence and whether it inserted, in the same transaction.
 *   <li>On success: if the row was inserted (now or by the earlier attempt), the cumulative sets
 *       restart from the snapshot's delta sets. The snapshot's track calls count as written.
 *   <li>On any failure, timeouts included, the snapshot becomes the in-doubt snapshot. Tally
 *       cannot tell a rolled-back transaction from one that committed before the connection
 *       broke, so it treats both alike: re-sending the same snapshot with the same sequence number
 *       applies it exactly once either way. This is how the design's "merge the snapshot back into
 *       the deltas" is realised safely: the data is kept and written by the next flush, but as
 *       its own snapshot, because merging it with newer usage under a new sequence number would
 *       count it twice if the first attempt had in fact committed. A timed-out call that commits
 *       late is harmless too: whichever of it and its retry takes the lock second sees the
 *       sequence already applied.
 * </ol>
 *
 * <p>Sequence numbers are compared only within a <em>session</em>, a random id per tracker
 * instance, so a restarted replica that reuses its replica id starts afresh instead of being
 * mistaken for a replay. Each replica id must belong to one running tracker at a time.
 *
 * <h2>Periods and claims</h2>
 *
 * The reporter's period ends at {@code now} truncated to the period length since the epoch;
 * {@code periodStart = periodEnd - period}. The store records a claim keyed by the period end in
 * the same transaction that sums and deletes the rows, so exactly one
 * {@code collectAndReset()} per period, on any replica, returns a summary. Rows not updated for
 * more than twice the period are deleted without being counted: they belong to replicas that
 * stopped. (The reference judges a row by its window start instead; that also discards a live
 * replica's usage whenever the reporter missed two periods, for example during a database
 * outage, so Tally judges it by the time of the replica's last flush.) Sequence rows and claims
 * older than {@link io.tally.core.usagestats.UsageStatsStore#RETENTION} are deleted by the
 * collection too; the unique counts are those of the ids flushed before the claim, and usage
 * still in a tracker's memory goes to the next period.
 *
 * <h2>Cost</h2>
 *
 * A flush is a constant number of statements (PostgreSQL: lock, probe, row insert or update, one
 * {@code unnest} insert for all members, sequence upsert), whatever its size. The members table
 * holds, per period, one row per (replica, kind, id): at most the sum of the replicas' own unique
 * counts, and each flush inserts only its delta. In memory a tracker holds its cumulative and
 * delta sets, bounded by the number of distinct ids it sees in a period.
 *
 * <h2>Statistics</h2>
 *
 * For the tracker, one item is one {@code track} call: {@code accepted} counts them,
 * {@code flushedRows} those written by successful store calls, {@code pending} those in memory
 * (deltas plus the snapshot in flight or in doubt), {@code coalesced} is always 0, and
 * {@code dropped} holds what {@code close()} could not write; so {@code accepted == flushedRows
 * + pending + dropped} at all times. The reporter's {@code flushes} count collections that
 * returned a summary.
 */
package io.tally.core.usagestats;
