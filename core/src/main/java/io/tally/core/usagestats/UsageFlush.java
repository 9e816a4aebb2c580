package io.tally.core.usagestats;

import java.time.Instant;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;

/**
 * One replica's snapshot handed to {@link UsageStatsStore#flush(UsageFlush)}: the unique ids and
 * request counts tracked since the previous snapshot, the replica's cumulative unique counts for
 * the current period, and the flush's sequence number. Immutable; the id sets are copied.
 *
 * <p>A store applies it in one transaction holding the stats lock:
 *
 * <ol>
 *   <li>If the store has recorded this {@code session} and a sequence number at least {@code
 *       sequence} for the replica, it changes nothing and answers {@link
 *       FlushOutcome#alreadyApplied(boolean)} with how that sequence was applied.
 *   <li>Otherwise it upserts the replica's row: an INSERT (no row: a new period) writes {@code
 *       workspaceIds.size()} and {@code userIds.size()} as the unique counts and {@code at} as the
 *       window start; an UPDATE writes {@code cumulativeWorkspaces} and {@code cumulativeUsers}.
 *       Request counts are added to the stored ones in both cases.
 *   <li>It records {@code workspaceIds} and {@code userIds} as the replica's members of the period
 *       (for exact distinct counts across replicas).
 *   <li>It stores {@code session}, {@code sequence} and whether it inserted, in a table that the
 *       period reset does not clear.
 * </ol>
 *
 * @param replicaId the replica whose row is written
 * @param session identifies the tracker instance; sequence numbers compare only within a session
 * @param sequence the flush's sequence number within the session, from 1; a retry of a snapshot
 *     whose outcome is unknown repeats it
 * @param workspaceIds workspace ids tracked since the previous snapshot (the delta)
 * @param userIds user ids tracked since the previous snapshot (the delta)
 * @param cumulativeWorkspaces unique workspaces of the replica's current period, including the
 *     delta; written on UPDATE
 * @param cumulativeUsers unique users of the replica's current period, including the delta; written
 *     on UPDATE
 * @param allowedRequests allowed requests since the previous snapshot; added to the row
 * @param deniedRequests denied requests since the previous snapshot; added to the row
 * @param at the flush time, from the tracker's clock; written as {@code updated_at} (and as the
 *     window start on INSERT)
 */
public record UsageFlush(
    UUID replicaId,
    UUID session,
    long sequence,
    Set<UUID> workspaceIds,
    Set<UUID> userIds,
    long cumulativeWorkspaces,
    long cumulativeUsers,
    long allowedRequests,
    long deniedRequests,
    Instant at) {

  /**
   * Validates and copies the arguments.
   *
   * @param replicaId the replica whose row is written
   * @param session identifies the tracker instance; sequence numbers compare only within a session
   * @param sequence the flush's sequence number within the session, from 1; a retry of a snapshot
   *     whose outcome is unknown repeats it
   * @param workspaceIds workspace ids tracked since the previous snapshot (the delta)
   * @param userIds user ids tracked since the previous snapshot (the delta)
   * @param cumulativeWorkspaces unique workspaces of the replica's current period, including the
   *     delta; written on UPDATE
   * @param cumulativeUsers unique users of the replica's current period, including the delta;
   *     written on UPDATE
   * @param allowedRequests allowed requests since the previous snapshot; added to the row
   * @param deniedRequests denied requests since the previous snapshot; added to the row
   * @param at the flush time, from the tracker's clock; written as {@code updated_at} (and as the
   *     window start on INSERT)
   * @throws NullPointerException if an argument is null or a set holds null
   * @throws IllegalArgumentException if a number is negative, {@code sequence} is below 1, or a
   *     cumulative count is below the size of its delta set
   */
  public UsageFlush {
    Objects.requireNonNull(replicaId, "replicaId");
    Objects.requireNonNull(session, "session");
    workspaceIds = Set.copyOf(Objects.requireNonNull(workspaceIds, "workspaceIds"));
    userIds = Set.copyOf(Objects.requireNonNull(userIds, "userIds"));
    Objects.requireNonNull(at, "at");
    if (sequence < 1) {
      throw new IllegalArgumentException("sequence was " + sequence + " but must be >= 1");
    }
    if (cumulativeWorkspaces < workspaceIds.size()) {
      throw new IllegalArgumentException(
          "cumulativeWorkspaces was "
              + cumulativeWorkspaces
              + " but must be >= the delta's "
              + workspaceIds.size());
    }
    if (cumulativeUsers < userIds.size()) {
      throw new IllegalArgumentException(
          "cumulativeUsers was "
              + cumulativeUsers
              + " but must be >= the delta's "
              + userIds.size());
    }
    if (allowedRequests < 0) {
      throw new IllegalArgumentException(
          "allowedRequests was " + allowedRequests + " but must be >= 0");
    }
    if (deniedRequests < 0) {
      throw new IllegalArgumentException(
          "deniedRequests was " + deniedRequests + " but must be >= 0");
    }
  }
}
