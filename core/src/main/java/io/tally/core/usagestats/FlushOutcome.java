package io.tally.core.usagestats;

/**
 * What a {@link UsageStatsStore#flush(UsageFlush)} did with one replica's snapshot.
 *
 * <p>{@code INSERTED} and {@code ALREADY_INSERTED} mean the replica's row had been deleted by a
 * period reset, so the write started a new period for that replica; the tracker then restarts its
 * cumulative sets from the snapshot's delta sets. The {@code ALREADY_…} outcomes answer a repeated
 * flush whose sequence number the store had already applied (the first attempt committed although
 * the caller saw a failure): the store changed nothing and reports how the first attempt was
 * applied.
 */
public enum FlushOutcome {
  /** The replica had no row: one was inserted with the snapshot's delta unique counts. */
  INSERTED,
  /** The replica's row existed: it now holds the cumulative unique counts, counters added. */
  UPDATED,
  /** The sequence number was applied before, by an insert; nothing changed now. */
  ALREADY_INSERTED,
  /** The sequence number was applied before, by an update; nothing changed now. */
  ALREADY_UPDATED;

  /**
   * @return true if the snapshot (now or earlier) started a new period for the replica
   */
  public boolean startedPeriod() {
    return this == INSERTED || this == ALREADY_INSERTED;
  }

  /**
   * @return true if the store had applied this sequence number before and changed nothing
   */
  public boolean alreadyApplied() {
    return this == ALREADY_INSERTED || this == ALREADY_UPDATED;
  }

  /**
   * The outcome a store reports for a repeated sequence number.
   *
   * @param inserted whether the first application inserted the replica's row
   * @return {@link #ALREADY_INSERTED} or {@link #ALREADY_UPDATED}
   */
  public static FlushOutcome alreadyApplied(boolean inserted) {
    return inserted ? ALREADY_INSERTED : ALREADY_UPDATED;
  }

  /**
   * The outcome a store reports for a snapshot it applies now.
   *
   * @param inserted whether the replica's row was inserted (no row existed)
   * @return {@link #INSERTED} or {@link #UPDATED}
   */
  public static FlushOutcome applied(boolean inserted) {
    return inserted ? INSERTED : UPDATED;
  }
}
