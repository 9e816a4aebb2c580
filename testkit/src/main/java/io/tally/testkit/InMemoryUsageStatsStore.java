package io.tally.testkit;

import io.tally.core.usagestats.FlushOutcome;
import io.tally.core.usagestats.ReplicaUsage;
import io.tally.core.usagestats.UsageFlush;
import io.tally.core.usagestats.UsageStatsStore;
import io.tally.core.usagestats.UsageSummary;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * A {@link UsageStatsStore} in memory with the semantics of the database stores: one row per
 * replica, members per replica for exact distinct counts, a per-replica sequence that the period
 * reset keeps, and claims keyed by period end with the summary they returned. Each method is atomic
 * (one monitor plays the stats lock). Share one instance between several trackers to simulate
 * replicas; wrap it in a {@link FaultyStore} to inject failures. Thread-safe.
 */
public final class InMemoryUsageStatsStore implements UsageStatsStore {
  private static final Comparator<UUID> UUID_ORDER = Comparator.comparing(UUID::toString);

  private final Map<UUID, ReplicaUsage> rows = new HashMap<>();
  private final Map<UUID, Set<UUID>> workspaceMembers = new HashMap<>();
  private final Map<UUID, Set<UUID>> userMembers = new HashMap<>();
  private final Map<UUID, Sequence> sequences = new HashMap<>();
  private final Map<Instant, Claim> claims = new HashMap<>();

  /** Creates an empty store. */
  public InMemoryUsageStatsStore() {}

  @Override
  public synchronized FlushOutcome flush(UsageFlush f) {
    Objects.requireNonNull(f, "flush");
    Sequence seq = sequences.get(f.replicaId());
    if (seq != null && seq.session.equals(f.session()) && seq.last >= f.sequence()) {
      return FlushOutcome.alreadyApplied(seq.inserted);
    }
    ReplicaUsage old = rows.get(f.replicaId());
    boolean inserted = old == null;
    ReplicaUsage row =
        inserted
            ? new ReplicaUsage(
                f.replicaId(),
                f.at(),
                f.workspaceIds().size(),
                f.userIds().size(),
                f.allowedRequests(),
                f.deniedRequests(),
                f.at())
            : new ReplicaUsage(
                f.replicaId(),
                old.windowStart(),
                f.cumulativeWorkspaces(),
                f.cumulativeUsers(),
                UsageStatsStore.addCounts(old.allowedRequests(), f.allowedRequests()),
                UsageStatsStore.addCounts(old.deniedRequests(), f.deniedRequests()),
                latest(old.updatedAt(), f.at()));
    rows.put(f.replicaId(), row);
    workspaceMembers.computeIfAbsent(f.replicaId(), k -> new HashSet<>()).addAll(f.workspaceIds());
    userMembers.computeIfAbsent(f.replicaId(), k -> new HashSet<>()).addAll(f.userIds());
    sequences.put(f.replicaId(), new Sequence(f.session(), f.sequence(), inserted, f.at()));
    return FlushOutcome.applied(inserted);
  }

  @Override
  public synchronized Optional<UsageSummary> collectAndReset(
      Instant periodEnd, Duration period, Instant now, String claimedBy) {
    Objects.requireNonNull(periodEnd, "periodEnd");
    Objects.requireNonNull(period, "period");
    Objects.requireNonNull(now, "now");
    Objects.requireNonNull(claimedBy, "claimedBy");
    Claim claim = claims.get(periodEnd);
    if (claim != null) {
      // the same reporter asking again (its first call's outcome was unknown) gets its summary
      return claim.claimedBy.equals(claimedBy) ? Optional.of(claim.summary) : Optional.empty();
    }
    List<ReplicaUsage> counted = new ArrayList<>(rows.values()); // every row, however old
    Set<UUID> workspaces = new HashSet<>();
    Set<UUID> users = new HashSet<>();
    for (ReplicaUsage row : counted) {
      workspaces.addAll(workspaceMembers.getOrDefault(row.replicaId(), Set.of()));
      users.addAll(userMembers.getOrDefault(row.replicaId(), Set.of()));
    }
    counted.sort(Comparator.comparing(ReplicaUsage::replicaId, UUID_ORDER));
    UsageSummary summary =
        UsageSummary.summing(workspaces.size(), users.size(), periodEnd, period, counted);
    rows.clear();
    workspaceMembers.clear();
    userMembers.clear();
    Instant retained = now.minus(RETENTION);
    sequences.values().removeIf(s -> s.updatedAt.isBefore(retained));
    claims.values().removeIf(c -> c.claimedAt.isBefore(retained));
    claims.put(periodEnd, new Claim(now, claimedBy, summary));
    return Optional.of(summary);
  }

  private static Instant latest(Instant a, Instant b) {
    return a.isAfter(b) ? a : b;
  }

  @Override
  public synchronized List<ReplicaUsage> replicaUsage() {
    List<ReplicaUsage> out = new ArrayList<>(rows.values());
    out.sort(Comparator.comparing(ReplicaUsage::replicaId, UUID_ORDER));
    return out;
  }

  /**
   * @return how many replicas have a stored flush sequence (the reset keeps these)
   */
  public synchronized int sequenceRows() {
    return sequences.size();
  }

  /**
   * @return how many period claims are stored
   */
  public synchronized int claims() {
    return claims.size();
  }

  @Override
  public synchronized String toString() {
    return "InMemoryUsageStatsStore{replicas=" + rows.size() + ", claims=" + claims.size() + '}';
  }

  private static final class Sequence {
    final UUID session;
    final long last;
    final boolean inserted;
    final Instant updatedAt;

    Sequence(UUID session, long last, boolean inserted, Instant updatedAt) {
      this.session = session;
      this.last = last;
      this.inserted = inserted;
      this.updatedAt = updatedAt;
    }
  }

  private static final class Claim {
    final Instant claimedAt;
    final String claimedBy;
    final UsageSummary summary;

    Claim(Instant claimedAt, String claimedBy, UsageSummary summary) {
      this.claimedAt = claimedAt;
      this.claimedBy = claimedBy;
      this.summary = summary;
    }

    @Override
    public String toString() {
      return "Claim{" + claimedAt + " by " + claimedBy + '}';
    }
  }
}
