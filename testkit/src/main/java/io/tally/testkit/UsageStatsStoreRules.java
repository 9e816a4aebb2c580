package io.tally.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.tally.core.usagestats.FlushOutcome;
import io.tally.core.usagestats.ReplicaUsage;
import io.tally.core.usagestats.UsageFlush;
import io.tally.core.usagestats.UsageStatsStore;
import io.tally.core.usagestats.UsageSummary;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The store-level rules of a {@link UsageStatsStore}, called one by one: the upsert rules, the
 * sequence, claims and their stored summaries, distinct counts, saturation, late rows, large and
 * concurrent flushes. A store implementation extends {@link UsageStatsStoreContract}, which adds
 * the rules seen through trackers and reporters; see there.
 */
public abstract class UsageStatsStoreRules {
  /** The period the contract's collections use: 30 minutes. */
  protected static final Duration PERIOD = Duration.ofMinutes(30);

  /** The time of the contract's first flush. */
  protected static final Instant T0 = ManualClock.DEFAULT_START.plusSeconds(60);

  private UsageStatsStore store;

  /** Creates the store for this test, calling {@link #newStore()}. */
  @BeforeEach
  final void createStore() {
    store = newStore();
  }

  /**
   * Returns a new, empty store; called before every test. Each call must return a store that shares
   * no data with earlier ones (a fresh database, schema or table prefix).
   *
   * @return the store under test
   */
  protected abstract UsageStatsStore newStore();

  /**
   * @return the store of the current test
   */
  protected final UsageStatsStore store() {
    return store;
  }

  /**
   * Builds a snapshot; the parameters are those of {@link UsageFlush}'s constructor.
   *
   * @param replica the replica id
   * @param session the tracker session
   * @param sequence the sequence number within the session
   * @param workspaces the workspace ids new to the period
   * @param users the user ids new to the period
   * @param cumulativeWorkspaces the period's unique workspace count so far
   * @param cumulativeUsers the period's unique user count so far
   * @param allowed allowed requests
   * @param denied denied requests
   * @param at when the snapshot was taken
   * @return a snapshot with the given fields
   */
  protected static UsageFlush flush(
      UUID replica,
      UUID session,
      long sequence,
      Set<UUID> workspaces,
      Set<UUID> users,
      long cumulativeWorkspaces,
      long cumulativeUsers,
      long allowed,
      long denied,
      Instant at) {
    return new UsageFlush(
        replica,
        session,
        sequence,
        workspaces,
        users,
        cumulativeWorkspaces,
        cumulativeUsers,
        allowed,
        denied,
        at);
  }

  /**
   * Makes random ids.
   *
   * @param n how many
   * @return {@code n} random ids
   */
  protected static Set<UUID> ids(int n) {
    Set<UUID> out = new HashSet<>();
    for (int i = 0; i < n; i++) {
      out.add(UUID.randomUUID());
    }
    return out;
  }

  /**
   * Collects, as reporter {@code "contract"}, the period that ended a second before {@code now}.
   *
   * @param now the collection time
   * @return the collection at {@code now} of the period that ended a second before
   */
  protected final Optional<UsageSummary> collect(Instant now) {
    Instant periodEnd = now.minus(Duration.ofSeconds(1));
    return store.collectAndReset(periodEnd, PERIOD, now, "contract");
  }

  @Test
  void firstFlushInsertsTheDeltaUniqueCounts() {
    UUID replica = UUID.randomUUID();
    FlushOutcome outcome =
        store.flush(flush(replica, UUID.randomUUID(), 1, ids(2), ids(1), 5, 4, 3, 1, T0));

    assertThat(outcome).isEqualTo(FlushOutcome.INSERTED);
    assertThat(store.replicaUsage()).containsExactly(new ReplicaUsage(replica, T0, 2, 1, 3, 1, T0));
  }

  @Test
  void laterFlushWritesTheCumulativeUniqueCountsAndAddsTheCounters() {
    UUID replica = UUID.randomUUID();
    UUID session = UUID.randomUUID();
    store.flush(flush(replica, session, 1, ids(2), ids(1), 2, 1, 3, 1, T0));
    Instant t1 = T0.plusSeconds(60);

    FlushOutcome outcome =
        store.flush(flush(replica, session, 2, ids(1), ids(1), 7, 6, 10, 20, t1));

    assertThat(outcome).isEqualTo(FlushOutcome.UPDATED);
    assertThat(store.replicaUsage())
        .containsExactly(new ReplicaUsage(replica, T0, 7, 6, 13, 21, t1));
  }

  @Test
  void repeatedSequenceNumberChangesNothingAndReportsHowItWasApplied() {
    UUID replica = UUID.randomUUID();
    UUID session = UUID.randomUUID();
    UsageFlush first = flush(replica, session, 1, ids(2), ids(1), 2, 1, 3, 1, T0);
    UsageFlush second = flush(replica, session, 2, ids(1), ids(2), 3, 3, 5, 5, T0.plusSeconds(60));
    store.flush(first);
    store.flush(second);
    List<ReplicaUsage> before = store.replicaUsage();

    assertThat(store.flush(second)).isEqualTo(FlushOutcome.ALREADY_UPDATED);
    assertThat(store.replicaUsage()).isEqualTo(before);
    assertThat(store.replicaUsage().get(0).allowedRequests()).isEqualTo(8);
  }

  @Test
  void repeatedSequenceNumberAfterAResetIsNotCountedAgain() {
    UUID replica = UUID.randomUUID();
    UsageFlush first = flush(replica, UUID.randomUUID(), 1, ids(2), ids(1), 2, 1, 3, 1, T0);
    store.flush(first);
    UsageSummary summary = collect(T0.plusSeconds(120)).orElseThrow();
    assertThat(summary.allowedRequests()).isEqualTo(3);

    assertThat(store.flush(first)).isEqualTo(FlushOutcome.ALREADY_INSERTED);
    assertThat(store.replicaUsage()).isEmpty();
    assertThat(collect(T0.plus(PERIOD)).orElseThrow().allowedRequests()).isZero();
  }

  @Test
  void aNewSessionOfTheSameReplicaStartsItsOwnSequence() {
    UUID replica = UUID.randomUUID();
    store.flush(flush(replica, UUID.randomUUID(), 5, ids(1), ids(1), 1, 1, 1, 0, T0));

    FlushOutcome outcome =
        store.flush(flush(replica, UUID.randomUUID(), 1, ids(1), ids(1), 2, 2, 1, 0, T0));

    assertThat(outcome).isEqualTo(FlushOutcome.UPDATED);
    assertThat(store.replicaUsage().get(0).allowedRequests()).isEqualTo(2);
  }

  @Test
  void collectSumsTheReplicasCountsIdsOnceAndStartsANewPeriod() {
    UUID shared = UUID.randomUUID();
    UUID sharedUser = UUID.randomUUID();
    List<UUID> replicas = List.of(UUID.randomUUID(), UUID.randomUUID(), UUID.randomUUID());
    for (int i = 0; i < replicas.size(); i++) {
      Set<UUID> workspaces = ids(i + 1); // 1 + 2 + 3 own ids
      workspaces.add(shared);
      store.flush(
          flush(
              replicas.get(i),
              UUID.randomUUID(),
              1,
              workspaces,
              Set.of(sharedUser),
              workspaces.size(),
              1,
              10 * (i + 1),
              i,
              T0.plusSeconds(i)));
    }
    Instant now = T0.plusSeconds(600);
    Instant periodEnd = T0.plusSeconds(300);

    UsageSummary summary = store.collectAndReset(periodEnd, PERIOD, now, "contract").orElseThrow();

    assertThat(summary.uniqueWorkspaces()).isEqualTo(7);
    assertThat(summary.uniqueUsers()).isEqualTo(1);
    assertThat(summary.allowedRequests()).isEqualTo(60);
    assertThat(summary.deniedRequests()).isEqualTo(3);
    assertThat(summary.periodStart()).isEqualTo(periodEnd.minus(PERIOD));
    assertThat(summary.periodDuration()).isEqualTo(PERIOD);
    assertThat(summary.periodEnd()).isEqualTo(periodEnd);
    assertThat(summary.replicas())
        .extracting(ReplicaUsage::replicaId)
        .containsExactlyElementsOf(
            replicas.stream().sorted((a, b) -> a.toString().compareTo(b.toString())).toList());
    assertThat(summary.replicas())
        .extracting(ReplicaUsage::uniqueWorkspaces)
        .containsExactlyInAnyOrder(2L, 3L, 4L);
    assertThat(store.replicaUsage()).isEmpty();

    FlushOutcome next =
        store.flush(
            flush(
                replicas.get(0), UUID.randomUUID(), 1, Set.of(shared), Set.of(), 9, 9, 1, 1, now));
    assertThat(next).isEqualTo(FlushOutcome.INSERTED);
    assertThat(store.replicaUsage())
        .containsExactly(new ReplicaUsage(replicas.get(0), now, 1, 0, 1, 1, now));
  }

  @Test
  void membersOfThePreviousPeriodAreNotCountedAgain() {
    UUID replica = UUID.randomUUID();
    UUID session = UUID.randomUUID();
    UUID workspace = UUID.randomUUID();
    UUID user = UUID.randomUUID();
    store.flush(flush(replica, session, 1, Set.of(workspace), Set.of(user), 1, 1, 1, 0, T0));
    collect(T0.plusSeconds(60)).orElseThrow();
    store.flush(flush(replica, session, 2, ids(2), Set.of(user), 2, 1, 1, 0, T0.plusSeconds(120)));

    UsageSummary summary = collect(T0.plusSeconds(180)).orElseThrow();

    assertThat(summary.uniqueWorkspaces()).isEqualTo(2);
    assertThat(summary.uniqueUsers()).isEqualTo(1);
    assertThat(summary.allowedRequests()).isEqualTo(1);
  }

  @Test
  void secondCollectForTheSamePeriodReturnsEmptyAndChangesNothing() {
    UUID replica = UUID.randomUUID();
    UUID session = UUID.randomUUID();
    store.flush(flush(replica, session, 1, ids(1), ids(1), 1, 1, 4, 0, T0));
    Instant periodEnd = T0.plusSeconds(30);
    assertThat(store.collectAndReset(periodEnd, PERIOD, T0.plusSeconds(40), "a")).isPresent();
    store.flush(flush(replica, session, 2, ids(1), ids(1), 2, 2, 6, 0, T0.plusSeconds(50)));

    assertThat(store.collectAndReset(periodEnd, PERIOD, T0.plusSeconds(60), "b")).isEmpty();
    assertThat(store.replicaUsage()).hasSize(1);
    assertThat(store.replicaUsage().get(0).allowedRequests()).isEqualTo(6);

    Optional<UsageSummary> nextPeriod =
        store.collectAndReset(periodEnd.plus(PERIOD), PERIOD, T0.plus(PERIOD).plusSeconds(40), "b");
    assertThat(nextPeriod).map(UsageSummary::allowedRequests).contains(6L);
  }

  @Test
  void rowsOfReplicasThatStoppedFlushingLongAgoAreStillCounted() {
    UUID idle = UUID.randomUUID();
    UUID live = UUID.randomUUID();
    UUID sharedWorkspace = UUID.randomUUID();
    Set<UUID> idleWorkspaces = ids(3);
    idleWorkspaces.add(sharedWorkspace);
    store.flush(flush(idle, UUID.randomUUID(), 1, idleWorkspaces, ids(2), 4, 2, 100, 100, T0));
    Instant now = T0.plus(PERIOD.multipliedBy(2)).plusSeconds(1);
    store.flush(
        flush(live, UUID.randomUUID(), 1, Set.of(sharedWorkspace), ids(1), 1, 1, 5, 6, now));

    UsageSummary summary = collect(now).orElseThrow();

    assertThat(summary.allowedRequests()).isEqualTo(105);
    assertThat(summary.deniedRequests()).isEqualTo(106);
    assertThat(summary.uniqueWorkspaces()).isEqualTo(4);
    assertThat(summary.uniqueUsers()).isEqualTo(3);
    assertThat(summary.replicas())
        .extracting(ReplicaUsage::replicaId)
        .containsExactlyInAnyOrder(idle, live);
    assertThat(store.replicaUsage()).isEmpty();
  }

  @Test
  void aSnapshotRetriedWithItsOriginalTimeAfterAnOutageIsCounted() {
    UUID replica = UUID.randomUUID();
    UUID session = UUID.randomUUID();
    store.flush(flush(replica, session, 1, ids(1), ids(1), 1, 1, 2, 0, T0));
    Instant later = T0.plus(PERIOD.multipliedBy(4));
    store.flush(flush(replica, session, 2, ids(1), ids(1), 2, 2, 3, 0, later));
    assertThat(collect(later.plusSeconds(1)).orElseThrow().allowedRequests()).isEqualTo(5);

    // a snapshot that failed before that collection is re-sent after the outage, its time old
    store.flush(flush(replica, session, 3, ids(1), ids(1), 1, 1, 7, 1, T0.plusSeconds(5)));

    UsageSummary summary = collect(later.plus(PERIOD)).orElseThrow();
    assertThat(summary.allowedRequests()).isEqualTo(7);
    assertThat(summary.deniedRequests()).isEqualTo(1);
    assertThat(summary.uniqueWorkspaces()).isEqualTo(1);
  }

  @Test
  void aRepeatedCollectionByTheSameReporterReturnsTheStoredSummary() {
    UUID replica = UUID.randomUUID();
    UUID session = UUID.randomUUID();
    store.flush(flush(replica, session, 1, ids(2), ids(1), 2, 1, 4, 3, T0));
    Instant periodEnd = T0.plusSeconds(30);
    UsageSummary first =
        store.collectAndReset(periodEnd, PERIOD, T0.plusSeconds(40), "reporter-a").orElseThrow();
    store.flush(flush(replica, session, 2, ids(1), ids(1), 1, 1, 6, 0, T0.plusSeconds(50)));

    Optional<UsageSummary> again =
        store.collectAndReset(periodEnd, PERIOD, T0.plusSeconds(60), "reporter-a");

    assertThat(again).contains(first);
    assertThat(first.allowedRequests()).isEqualTo(4);
    assertThat(first.uniqueWorkspaces()).isEqualTo(2);
    assertThat(first.replicas()).hasSize(1);
    assertThat(store.collectAndReset(periodEnd, PERIOD, T0.plusSeconds(70), "reporter-b"))
        .isEmpty();
    assertThat(store.replicaUsage()).hasSize(1); // the repeat changed nothing
    assertThat(store.replicaUsage().get(0).allowedRequests()).isEqualTo(6);
  }

  @Test
  void requestCountersSaturateInsteadOfWrapping() {
    UUID replica = UUID.randomUUID();
    UUID session = UUID.randomUUID();
    store.flush(flush(replica, session, 1, ids(1), ids(1), 1, 1, Long.MAX_VALUE, 10, T0));
    store.flush(flush(replica, session, 2, Set.of(), Set.of(), 1, 1, 5, Long.MAX_VALUE, T0));
    store.flush(flush(UUID.randomUUID(), UUID.randomUUID(), 1, ids(1), ids(1), 1, 1, 7, 7, T0));

    assertThat(store.replicaUsage())
        .filteredOn(r -> r.replicaId().equals(replica))
        .singleElement()
        .satisfies(r -> assertThat(r.allowedRequests()).isEqualTo(Long.MAX_VALUE))
        .satisfies(r -> assertThat(r.deniedRequests()).isEqualTo(Long.MAX_VALUE));
    UsageSummary summary = collect(T0.plusSeconds(60)).orElseThrow();
    assertThat(summary.allowedRequests()).isEqualTo(Long.MAX_VALUE);
    assertThat(summary.deniedRequests()).isEqualTo(Long.MAX_VALUE);
  }

  @Test
  void aLiveReplicaWhosePeriodBeganLongAgoStillCounts() {
    // Nobody collected for three periods (say the database was down), but the replica kept
    // flushing: its row is live, so its usage must be counted, not discarded as a dead replica's.
    UUID replica = UUID.randomUUID();
    UUID session = UUID.randomUUID();
    store.flush(flush(replica, session, 1, ids(2), ids(1), 2, 1, 10, 1, T0));
    Instant now = T0.plus(PERIOD.multipliedBy(3));
    store.flush(flush(replica, session, 2, ids(1), ids(1), 3, 2, 5, 2, now.minusSeconds(1)));

    UsageSummary summary = collect(now).orElseThrow();

    assertThat(summary.allowedRequests()).isEqualTo(15);
    assertThat(summary.deniedRequests()).isEqualTo(3);
    assertThat(summary.uniqueWorkspaces()).isEqualTo(3);
    assertThat(summary.uniqueUsers()).isEqualTo(2);
    assertThat(summary.replicas()).extracting(ReplicaUsage::replicaId).containsExactly(replica);
  }

  @Test
  void collectWithNoRowsReturnsAnEmptySummary() {
    UsageSummary summary = collect(T0).orElseThrow();

    assertThat(summary.uniqueWorkspaces()).isZero();
    assertThat(summary.uniqueUsers()).isZero();
    assertThat(summary.allowedRequests()).isZero();
    assertThat(summary.deniedRequests()).isZero();
    assertThat(summary.replicas()).isEmpty();
  }

  @Test
  void flushWithoutIdsOnlyAddsCounters() {
    UUID replica = UUID.randomUUID();
    UUID session = UUID.randomUUID();
    store.flush(flush(replica, session, 1, ids(1), ids(1), 1, 1, 1, 1, T0));

    assertThat(store.flush(flush(replica, session, 2, Set.of(), Set.of(), 1, 1, 2, 3, T0)))
        .isEqualTo(FlushOutcome.UPDATED);

    assertThat(store.replicaUsage().get(0))
        .isEqualTo(new ReplicaUsage(replica, T0, 1, 1, 3, 4, T0));
  }

  @Test
  void largeFlushesAreCountedExactly() {
    UUID replica = UUID.randomUUID();
    Set<UUID> workspaces = ids(5000);
    Set<UUID> users = ids(3000);
    store.flush(flush(replica, UUID.randomUUID(), 1, workspaces, users, 5000, 3000, 1, 0, T0));
    Set<UUID> more = ids(1000);
    more.addAll(new ArrayList<>(workspaces).subList(0, 500));
    store.flush(flush(UUID.randomUUID(), UUID.randomUUID(), 1, more, Set.of(), 1500, 0, 1, 0, T0));

    UsageSummary summary = collect(T0.plusSeconds(60)).orElseThrow();

    assertThat(summary.uniqueWorkspaces()).isEqualTo(6000);
    assertThat(summary.uniqueUsers()).isEqualTo(3000);
  }

  @Test
  void aRepeatedLargeFlushChangesNothing() {
    UUID replica = UUID.randomUUID();
    UsageFlush big =
        flush(replica, UUID.randomUUID(), 1, ids(6000), ids(4000), 6000, 4000, 9, 1, T0);
    assertThat(store.flush(big)).isEqualTo(FlushOutcome.INSERTED);

    assertThat(store.flush(big)).isEqualTo(FlushOutcome.ALREADY_INSERTED);

    UsageSummary summary = collect(T0.plusSeconds(60)).orElseThrow();
    assertThat(summary.uniqueWorkspaces()).isEqualTo(6000);
    assertThat(summary.uniqueUsers()).isEqualTo(4000);
    assertThat(summary.allowedRequests()).isEqualTo(9);
  }

  @Test
  void concurrentFlushesAndCollectionsLoseNothing() throws Exception {
    int replicas = 4;
    int flushesEach = 25;
    ExecutorService pool = Executors.newFixedThreadPool(replicas + 1);
    List<UsageSummary> summaries = new ArrayList<>();
    try {
      List<Future<?>> writers = new ArrayList<>();
      for (int r = 0; r < replicas; r++) {
        writers.add(
            pool.submit(
                () -> {
                  UUID replica = UUID.randomUUID();
                  UUID session = UUID.randomUUID();
                  for (int i = 1; i <= flushesEach; i++) {
                    store.flush(flush(replica, session, i, ids(1), ids(1), i, i, 1, 2, T0));
                  }
                  return null;
                }));
      }
      Future<List<UsageSummary>> reporter =
          pool.submit(
              () -> {
                List<UsageSummary> out = new ArrayList<>();
                for (int p = 1; p <= 10; p++) {
                  collectInto(out, p);
                }
                return out;
              });
      for (Future<?> w : writers) {
        w.get(30, TimeUnit.SECONDS);
      }
      summaries.addAll(reporter.get(30, TimeUnit.SECONDS));
      collectInto(summaries, 11);
    } finally {
      pool.shutdownNow();
    }
    long allowed = summaries.stream().mapToLong(UsageSummary::allowedRequests).sum();
    long denied = summaries.stream().mapToLong(UsageSummary::deniedRequests).sum();
    assertThat(allowed).isEqualTo((long) replicas * flushesEach);
    assertThat(denied).isEqualTo(2L * replicas * flushesEach);
  }

  private void collectInto(List<UsageSummary> out, int period) {
    Instant periodEnd = T0.plus(PERIOD.multipliedBy(period));
    store
        .collectAndReset(periodEnd, PERIOD, T0.plusSeconds(1), "contract-" + period)
        .ifPresent(out::add);
  }
}
