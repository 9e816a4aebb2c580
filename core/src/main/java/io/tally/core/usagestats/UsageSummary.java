package io.tally.core.usagestats;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * The usage of one reporting period across every replica, returned by {@link
 * UsageStatsReporter#collectAndReset()}. Immutable.
 *
 * <p>{@link #uniqueWorkspaces()} and {@link #uniqueUsers()} are exact across replicas: an id seen
 * by several replicas counts once. The per-replica rows, whose unique counts are each replica's
 * own, are in {@link #replicas()}. Every row present at the collection is counted, however long ago
 * its replica flushed, so usage written late (a replica idle for a while, a snapshot retried after
 * an outage) lands in the first summary collected after it was written. Request sums saturate at
 * {@link Long#MAX_VALUE}.
 *
 * @param uniqueWorkspaces distinct workspace ids across all counted replicas
 * @param uniqueUsers distinct user ids across all counted replicas
 * @param allowedRequests allowed requests summed over the counted replicas
 * @param deniedRequests denied requests summed over the counted replicas
 * @param periodStart the start of the reported period ({@code periodEnd - periodDuration})
 * @param periodDuration the reporter's period length
 * @param replicas the counted replicas' rows, ordered by replica id
 */
public record UsageSummary(
    long uniqueWorkspaces,
    long uniqueUsers,
    long allowedRequests,
    long deniedRequests,
    Instant periodStart,
    Duration periodDuration,
    List<ReplicaUsage> replicas) {

  /**
   * Validates the arguments and copies the replica list.
   *
   * @param uniqueWorkspaces distinct workspace ids across all counted replicas
   * @param uniqueUsers distinct user ids across all counted replicas
   * @param allowedRequests allowed requests summed over the counted replicas
   * @param deniedRequests denied requests summed over the counted replicas
   * @param periodStart the start of the reported period ({@code periodEnd - periodDuration})
   * @param periodDuration the reporter's period length
   * @param replicas the counted replicas' rows, ordered by replica id
   * @throws NullPointerException if a time, the duration or the list is null
   * @throws IllegalArgumentException if a count is negative or the duration is not positive
   */
  public UsageSummary {
    Objects.requireNonNull(periodStart, "periodStart");
    Objects.requireNonNull(periodDuration, "periodDuration");
    replicas = List.copyOf(Objects.requireNonNull(replicas, "replicas"));
    if (periodDuration.isZero() || periodDuration.isNegative()) {
      throw new IllegalArgumentException(
          "periodDuration was " + periodDuration + " but must be positive");
    }
    if (uniqueWorkspaces < 0 || uniqueUsers < 0 || allowedRequests < 0 || deniedRequests < 0) {
      throw new IllegalArgumentException(
          "counts must not be negative: uniqueWorkspaces="
              + uniqueWorkspaces
              + ", uniqueUsers="
              + uniqueUsers
              + ", allowedRequests="
              + allowedRequests
              + ", deniedRequests="
              + deniedRequests);
    }
  }

  /**
   * The summary of a collection: the request counts are the sums over {@code replicas}, saturating
   * at {@link Long#MAX_VALUE} ({@link UsageStatsStore#addCounts}); the unique counts are the
   * store's distinct counts over the members those rows recorded.
   *
   * @param uniqueWorkspaces distinct workspace ids across the rows
   * @param uniqueUsers distinct user ids across the rows
   * @param periodEnd the end of the reported period
   * @param period the period length
   * @param replicas every row collected, ordered by replica id
   * @return the summary
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if a count is negative or the period is not positive
   */
  public static UsageSummary summing(
      long uniqueWorkspaces,
      long uniqueUsers,
      Instant periodEnd,
      Duration period,
      List<ReplicaUsage> replicas) {
    long allowed = 0;
    long denied = 0;
    for (ReplicaUsage row : replicas) {
      allowed = UsageStatsStore.addCounts(allowed, row.allowedRequests());
      denied = UsageStatsStore.addCounts(denied, row.deniedRequests());
    }
    return new UsageSummary(
        uniqueWorkspaces, uniqueUsers, allowed, denied, periodEnd.minus(period), period, replicas);
  }

  /**
   * @return the end of the reported period ({@code periodStart + periodDuration})
   */
  public Instant periodEnd() {
    return periodStart.plus(periodDuration);
  }
}
