package io.tally.core.usagestats;

import java.time.Instant;
import java.util.Objects;
import java.util.UUID;

/**
 * One replica's stored row of the current period: its own unique counts (not deduplicated against
 * other replicas) and request counters. Immutable.
 *
 * @param replicaId the replica
 * @param windowStart when the row was inserted, i.e. when the replica's period began
 * @param uniqueWorkspaces unique workspaces the replica saw in its period
 * @param uniqueUsers unique users the replica saw in its period
 * @param allowedRequests allowed requests the replica wrote in its period
 * @param deniedRequests denied requests the replica wrote in its period
 * @param updatedAt when the replica last flushed
 */
public record ReplicaUsage(
    UUID replicaId,
    Instant windowStart,
    long uniqueWorkspaces,
    long uniqueUsers,
    long allowedRequests,
    long deniedRequests,
    Instant updatedAt) {

  /**
   * Validates the arguments.
   *
   * @param replicaId the replica
   * @param windowStart when the row was inserted, i.e. when the replica's period began
   * @param uniqueWorkspaces unique workspaces the replica saw in its period
   * @param uniqueUsers unique users the replica saw in its period
   * @param allowedRequests allowed requests the replica wrote in its period
   * @param deniedRequests denied requests the replica wrote in its period
   * @param updatedAt when the replica last flushed
   * @throws NullPointerException if an id or time is null
   */
  public ReplicaUsage {
    Objects.requireNonNull(replicaId, "replicaId");
    Objects.requireNonNull(windowStart, "windowStart");
    Objects.requireNonNull(updatedAt, "updatedAt");
  }
}
