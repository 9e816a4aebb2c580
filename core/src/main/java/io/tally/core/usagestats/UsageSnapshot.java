package io.tally.core.usagestats;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.Set;
import java.util.UUID;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;

/**
 * A tracker's snapshot being written chunk by chunk: the track calls folded into it, its request
 * counts (sent with its first chunk), the ids still to send, the ids its replica's period had
 * recorded already (sent only if the counts start a new period), and the chunk being written or in
 * doubt. Not thread-safe: {@link DefaultUsageStatsTracker} uses it under its flush lock.
 */
final class UsageSnapshot {
  final long calls;
  private final long allowed;
  private final long denied;
  private final ArrayDeque<UUID> workspaces = new ArrayDeque<>();
  private final ArrayDeque<UUID> users = new ArrayDeque<>();
  private final Set<UUID> knownWorkspaces = new HashSet<>();
  private final Set<UUID> knownUsers = new HashSet<>();
  private boolean countsSent;
  private boolean currentCarriesCounts;
  private UsageFlush current;

  /**
   * @param workspaces workspace ids tracked since the previous snapshot
   * @param users user ids tracked since the previous snapshot
   * @param recordedWorkspaces workspace ids recorded in the replica's period (not sent again)
   * @param recordedUsers user ids recorded in the replica's period (not sent again)
   */
  UsageSnapshot(
      long calls,
      long allowed,
      long denied,
      Set<UUID> workspaces,
      Set<UUID> users,
      Set<UUID> recordedWorkspaces,
      Set<UUID> recordedUsers) {
    this.calls = calls;
    this.allowed = allowed;
    this.denied = denied;
    split(workspaces, recordedWorkspaces, this.workspaces, knownWorkspaces);
    split(users, recordedUsers, this.users, knownUsers);
  }

  private static void split(
      Set<UUID> delta, Set<UUID> recorded, ArrayDeque<UUID> fresh, Set<UUID> known) {
    for (UUID id : delta) {
      if (recorded.contains(id)) {
        known.add(id);
      } else {
        fresh.add(id);
      }
    }
  }

  /**
   * @return true when every chunk is written
   */
  boolean done() {
    return current == null && workspaces.isEmpty() && users.isEmpty() && countsSent;
  }

  /**
   * @return the chunk being written or in doubt, or null between chunks
   */
  @Nullable UsageFlush current() {
    return current;
  }

  /**
   * @return true if the current chunk carries the snapshot's request counts
   */
  boolean currentCarriesCounts() {
    return currentCarriesCounts;
  }

  /**
   * The current chunk, or a new one if there is none: up to {@code maxIds} ids (workspaces first),
   * the request counts if no earlier chunk carried them, and {@code sequence.next()}. The new
   * chunk's ids are added to the cumulative sets, whose sizes it carries.
   */
  UsageFlush currentOrNext(
      int maxIds,
      UUID replicaId,
      UUID session,
      LongSupplier sequence,
      Set<UUID> cumulativeWorkspaces,
      Set<UUID> cumulativeUsers,
      Instant at) {
    if (current != null) {
      return current;
    }
    Set<UUID> chunkWorkspaces = new HashSet<>();
    Set<UUID> chunkUsers = new HashSet<>();
    int room = maxIds;
    while (room > 0 && !workspaces.isEmpty()) {
      chunkWorkspaces.add(workspaces.poll());
      room--;
    }
    while (room > 0 && !users.isEmpty()) {
      chunkUsers.add(users.poll());
      room--;
    }
    cumulativeWorkspaces.addAll(chunkWorkspaces);
    cumulativeUsers.addAll(chunkUsers);
    currentCarriesCounts = !countsSent;
    countsSent = true;
    current =
        new UsageFlush(
            replicaId,
            session,
            sequence.getAsLong(),
            chunkWorkspaces,
            chunkUsers,
            cumulativeWorkspaces.size(),
            cumulativeUsers.size(),
            currentCarriesCounts ? allowed : 0,
            currentCarriesCounts ? denied : 0,
            at);
    return current;
  }

  /**
   * Records that the current chunk was applied. If it carried the counts and started a new period,
   * the snapshot's requests land in that period: so do all the ids they were tracked with,
   * including those the old period had recorded (queued as further chunks).
   */
  void written(FlushOutcome outcome) {
    if (outcome.startedPeriod() && currentCarriesCounts) {
      workspaces.addAll(knownWorkspaces);
      users.addAll(knownUsers);
    }
    knownWorkspaces.clear(); // only the chunk carrying the counts can need them
    knownUsers.clear();
    current = null;
  }
}
