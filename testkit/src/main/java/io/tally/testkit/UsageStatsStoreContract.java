package io.tally.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tally.core.FlushResult;
import io.tally.core.usagestats.FlushOutcome;
import io.tally.core.usagestats.ReplicaUsage;
import io.tally.core.usagestats.UsageFlush;
import io.tally.core.usagestats.UsageStatsReporter;
import io.tally.core.usagestats.UsageStatsStore;
import io.tally.core.usagestats.UsageStatsTracker;
import io.tally.core.usagestats.UsageSummary;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The behaviour every {@link UsageStatsStore} must have. A store implementation proves itself by
 * extending this class in its tests and returning a fresh, empty store:
 *
 * <pre>{@code
 * class MyUsageStatsStoreTest extends UsageStatsStoreContract {
 *   @Override
 *   protected UsageStatsStore newStore() {
 *     return new MyUsageStatsStore(freshDatabase());
 *   }
 * }
 * }</pre>
 *
 * <p>The contract covers the upsert rules (INSERT writes the delta unique counts, UPDATE the
 * cumulative ones, counters add and saturate at {@link Long#MAX_VALUE}), the per-replica sequence
 * that makes a repeated flush harmless even after a period reset, claims and the summary kept with
 * each (a reporter whose collection committed and then failed gets it back), exact distinct counts
 * across replicas, rows written long ago (always counted by the next collection), chunked flushes
 * with a collection between chunks, large and concurrent flushes, and a tracker and reporter
 * running over the store while it commits and then throws; the rules checked call by call are in
 * {@link UsageStatsStoreRules}, which this class extends, and those seen through trackers and
 * reporters are here. Requires JUnit 5 and AssertJ on the test class path.
 */
public abstract class UsageStatsStoreContract extends UsageStatsStoreRules {
  @Test
  void usageOfAReplicaThatMissedCollectionsLandsInTheNextSummary() {
    // Replica A tracks 100 and flushes; the collection of that period is missed (say the
    // database was down); much later replica B tracks 1, flushes and collects: A's 100 count.
    ManualClock clock = ManualClock.startingAt(T0);
    UsageStatsTracker a = tracker(clock);
    UsageStatsTracker b = tracker(clock);
    UsageStatsReporter reporter =
        UsageStatsReporter.builder(store()).period(PERIOD).clock(clock).build();
    try {
      for (int i = 0; i < 100; i++) {
        a.track(UUID.randomUUID(), UUID.randomUUID(), 1, 0);
      }
      assertThat(a.flush().isSuccess()).isTrue();
      clock.advance(PERIOD.multipliedBy(5)); // no collection for five periods
      b.track(UUID.randomUUID(), UUID.randomUUID(), 1, 0);
      assertThat(b.flush().isSuccess()).isTrue();

      UsageSummary summary = reporter.collectAndReset().orElseThrow();

      assertThat(summary.allowedRequests()).isEqualTo(101);
      assertThat(summary.uniqueWorkspaces()).isEqualTo(101);
      assertThat(summary.uniqueUsers()).isEqualTo(101);
      assertThat(summary.replicas()).hasSize(2);
    } finally {
      a.close();
      b.close();
      reporter.close();
    }
  }

  @Test
  void aCollectionWhoseCommitOutcomeIsUnknownLosesNothing() {
    ManualClock clock = ManualClock.startingAt(T0);
    FaultyStore<UsageStatsStore> faulty =
        FaultyStore.<UsageStatsStore>wrap(store()).affecting("collectAndReset");
    UsageStatsTracker tracker = tracker(clock);
    UsageStatsReporter reporter = reporter(faulty.store(), clock, "replica-1");
    UsageStatsReporter other = reporter(store(), clock, "replica-2");
    try {
      tracker.track(UUID.randomUUID(), UUID.randomUUID(), 9, 2);
      tracker.flush();
      clock.advance(PERIOD);
      faulty.commitThenThrowNext(1);
      assertThatThrownBy(reporter::collectAndReset).isInstanceOf(InjectedFault.class);
      assertThat(other.collectAndReset()).isEmpty(); // claimed: no one else reports it

      UsageSummary summary = reporter.collectAndReset().orElseThrow();

      assertThat(summary.allowedRequests()).isEqualTo(9);
      assertThat(summary.deniedRequests()).isEqualTo(2);
      assertThat(summary.uniqueWorkspaces()).isEqualTo(1);
      assertThat(reporter.collectAndReset()).isEmpty(); // returned once by this instance
    } finally {
      tracker.close();
      reporter.close();
      other.close();
    }
  }

  @Test
  void trackedCountsThatOverflowAreWrittenSaturated() {
    ManualClock clock = ManualClock.startingAt(T0);
    UsageStatsTracker t = tracker(clock);
    UsageStatsTracker u = tracker(clock);
    try {
      UUID w = UUID.randomUUID();
      t.track(w, w, 10, 0);
      t.track(w, w, Long.MAX_VALUE, 0);
      t.track(w, w, Long.MAX_VALUE, 0); // 10 + 2 * MAX
      assertThat(t.flush().isSuccess()).isTrue();
      u.track(w, w, 0, Long.MAX_VALUE);
      assertThat(u.flush().isSuccess()).isTrue();
      u.track(w, w, 0, 5); // MAX + 5, summed by the store
      FlushResult result = u.flush();

      assertThat(result.isSuccess()).isTrue();
      assertThat(t.saturatedCalls()).isEqualTo(2); // 10 + MAX, then MAX + MAX
      assertThat(t.health()).isEqualTo(io.tally.core.Health.HEALTHY);
      assertThat(u.stats().pending()).isZero();
      UsageSummary summary = collect(T0.plusSeconds(60)).orElseThrow();
      assertThat(summary.allowedRequests()).isEqualTo(Long.MAX_VALUE);
      assertThat(summary.deniedRequests()).isEqualTo(Long.MAX_VALUE);
      assertThat(summary.replicas())
          .extracting(ReplicaUsage::allowedRequests)
          .containsExactlyInAnyOrder(Long.MAX_VALUE, 0L);
    } finally {
      t.close();
      u.close();
    }
  }

  @Test
  void aCollectionBetweenTheChunksOfOneFlushCountsEachChunkOnce() {
    ManualClock clock = ManualClock.startingAt(T0);
    List<UsageSummary> summaries = new ArrayList<>();
    AtomicInteger calls = new AtomicInteger();
    UsageStatsStore collectingAfterFirstChunk =
        new HookedUsageStatsStore(
            store(),
            (f, delegate) -> {
              FlushOutcome outcome = delegate.flush(f);
              if (calls.incrementAndGet() == 1) {
                collect(T0.plusSeconds(1)).ifPresent(summaries::add);
              }
              return outcome;
            });
    UsageStatsTracker t =
        UsageStatsTracker.builder(collectingAfterFirstChunk, UUID.randomUUID())
            .clock(clock)
            .maxIdsPerCall(10)
            .build();
    try {
      UUID user = UUID.randomUUID();
      for (int i = 0; i < 25; i++) {
        t.track(UUID.randomUUID(), user, 1, 0);
      }
      FlushResult result = t.flush();
      assertThat(result.isSuccess()).isTrue();
      assertThat(result.rows()).isEqualTo(25);
      assertThat(calls).hasValue(3); // 10 + 10 + (5 workspaces and the user)
      collect(T0.plus(PERIOD)).ifPresent(summaries::add);

      assertThat(summaries).hasSize(2);
      assertThat(summaries.get(0).allowedRequests()).isEqualTo(25); // the counts: first chunk
      assertThat(summaries.get(0).uniqueWorkspaces()).isEqualTo(10);
      assertThat(summaries.get(1).allowedRequests()).isZero();
      assertThat(summaries.get(1).uniqueWorkspaces()).isEqualTo(15);
      assertThat(summaries.get(1).uniqueUsers()).isEqualTo(1);
      assertThat(t.stats().pending()).isZero();
    } finally {
      t.close();
    }
  }

  @Test
  void aFlushSendsOnlyIdsNewToThePeriodAndStillCountsExactly() {
    ManualClock clock = ManualClock.startingAt(T0);
    List<UsageFlush> sent = new ArrayList<>();
    UsageStatsStore recording =
        new HookedUsageStatsStore(
            store(),
            (f, delegate) -> {
              sent.add(f);
              return delegate.flush(f);
            });
    UsageStatsTracker t =
        UsageStatsTracker.builder(recording, UUID.randomUUID()).clock(clock).build();
    try {
      UUID w1 = UUID.randomUUID();
      UUID w2 = UUID.randomUUID();
      UUID u1 = UUID.randomUUID();
      t.track(w1, u1, 1, 0);
      t.flush();
      t.track(w1, u1, 1, 0);
      t.track(w2, u1, 1, 0);
      t.flush();

      assertThat(sent.get(1).workspaceIds()).containsExactly(w2);
      assertThat(sent.get(1).userIds()).isEmpty();
      assertThat(store().replicaUsage().get(0).uniqueWorkspaces()).isEqualTo(2);
      assertThat(store().replicaUsage().get(0).uniqueUsers()).isEqualTo(1);
      UsageSummary first = collect(T0.plusSeconds(60)).orElseThrow();
      assertThat(first.uniqueWorkspaces()).isEqualTo(2);

      // a new period: ids seen before count again, in a second call after the insert
      t.track(w1, u1, 4, 0);
      t.flush();
      UsageSummary second = collect(T0.plus(PERIOD)).orElseThrow();
      assertThat(second.allowedRequests()).isEqualTo(4);
      assertThat(second.uniqueWorkspaces()).isEqualTo(1);
      assertThat(second.uniqueUsers()).isEqualTo(1);
      assertThat(second.replicas().get(0).uniqueWorkspaces()).isEqualTo(1);
    } finally {
      t.close();
    }
  }

  @Test
  void aSummaryClaimedInACallThatFailedIsReturnedByTheNextCallEvenInALaterPeriod() {
    // The collection of period 1 commits but its caller sees a failure; the next call comes in
    // period 2. It returns period 1's summary; the call after it returns period 2's.
    ManualClock clock = ManualClock.startingAt(T0);
    FaultyStore<UsageStatsStore> faulty =
        FaultyStore.<UsageStatsStore>wrap(store()).affecting("collectAndReset");
    UsageStatsTracker tracker = tracker(clock);
    UsageStatsReporter reporter = reporter(faulty.store(), clock, "replica-1");
    try {
      tracker.track(UUID.randomUUID(), UUID.randomUUID(), 9, 2);
      assertThat(tracker.flush().isSuccess()).isTrue();
      clock.advance(PERIOD);
      faulty.commitThenThrowNext(1);
      assertThatThrownBy(reporter::collectAndReset).isInstanceOf(InjectedFault.class);
      clock.advance(PERIOD);
      tracker.track(UUID.randomUUID(), UUID.randomUUID(), 5, 0);
      assertThat(tracker.flush().isSuccess()).isTrue();

      UsageSummary first = reporter.collectAndReset().orElseThrow();
      UsageSummary second = reporter.collectAndReset().orElseThrow();

      assertThat(first.allowedRequests()).isEqualTo(9);
      assertThat(first.deniedRequests()).isEqualTo(2);
      assertThat(second.allowedRequests()).isEqualTo(5);
      assertThat(second.periodStart()).isEqualTo(first.periodEnd());
      assertThat(reporter.collectAndReset()).isEmpty();
    } finally {
      tracker.close();
      reporter.close();
    }
  }

  @Test
  void trackerAndReporterCountExactlyWhenFlushesCommitAndThenThrow() {
    ManualClock clock = ManualClock.create();
    FaultyStore<UsageStatsStore> faulty = FaultyStore.wrap(store());
    faulty.affecting("flush");
    UsageStatsTracker a =
        UsageStatsTracker.builder(faulty.store(), UUID.randomUUID()).clock(clock).build();
    UsageStatsTracker b =
        UsageStatsTracker.builder(faulty.store(), UUID.randomUUID()).clock(clock).build();
    UsageStatsReporter reporter =
        UsageStatsReporter.builder(store()).period(PERIOD).clock(clock).build();
    try {
      UUID shared = UUID.randomUUID();
      UUID user = UUID.randomUUID();
      a.track(shared, user, 3, 1);
      b.track(shared, user, 4, 2);
      faulty.commitThenThrowNext(1);
      assertThat(a.flush().outcome()).isEqualTo(FlushResult.Outcome.FAILED);
      a.track(UUID.randomUUID(), user, 5, 0);
      faulty.failNext(1);
      assertThat(b.flush().outcome()).isEqualTo(FlushResult.Outcome.FAILED);

      assertThat(a.flush().isSuccess()).isTrue();
      assertThat(b.flush().isSuccess()).isTrue();
      clock.advance(PERIOD);
      UsageSummary summary = reporter.collectAndReset().orElseThrow();

      assertThat(summary.allowedRequests()).isEqualTo(12);
      assertThat(summary.deniedRequests()).isEqualTo(3);
      assertThat(summary.uniqueWorkspaces()).isEqualTo(2);
      assertThat(summary.uniqueUsers()).isEqualTo(1);
      assertThat(reporter.collectAndReset()).isEmpty();
      assertThat(a.stats().flushedRows()).isEqualTo(2);
      assertThat(a.stats().pending()).isZero();
    } finally {
      a.close();
      b.close();
      reporter.close();
    }
  }

  /**
   * Random counts (negative, small, near {@code Long.MAX_VALUE}) and random ids through {@code
   * track} on two replicas, flushed at random moments: each call either throws at once (a negative
   * count) or is counted exactly, saturating at {@code Long.MAX_VALUE} and never wrapping, in the
   * tracker and in the store.
   */
  @Test
  void randomCountsThroughTrackThrowAtOnceOrAreSummedExactly() {
    Random random = new Random(20261129);
    ManualClock clock = ManualClock.startingAt(T0);
    List<UsageStatsTracker> replicas = List.of(tracker(clock), tracker(clock));
    List<UUID> workspaces = new ArrayList<>();
    List<UUID> users = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      workspaces.add(UUID.randomUUID());
      users.add(UUID.randomUUID());
    }
    BigInteger allowed = BigInteger.ZERO;
    BigInteger denied = BigInteger.ZERO;
    Set<UUID> seenWorkspaces = new HashSet<>();
    Set<UUID> seenUsers = new HashSet<>();
    try {
      for (int call = 0; call < 300; call++) {
        UsageStatsTracker t = replicas.get(random.nextInt(replicas.size()));
        UUID w = workspaces.get(random.nextInt(workspaces.size()));
        UUID u = users.get(random.nextInt(users.size()));
        long a = randomCount(random);
        long d = randomCount(random);
        if (a < 0 || d < 0) {
          assertThatThrownBy(() -> t.track(w, u, a, d))
              .isInstanceOf(IllegalArgumentException.class);
          continue;
        }
        t.track(w, u, a, d);
        allowed = allowed.add(BigInteger.valueOf(a));
        denied = denied.add(BigInteger.valueOf(d));
        seenWorkspaces.add(w);
        seenUsers.add(u);
        if (random.nextInt(25) == 0) {
          assertThat(t.flush().isSuccess()).isTrue();
        }
      }
      for (UsageStatsTracker t : replicas) {
        FlushResult r = t.flush();
        assertThat(r.isSuccess() || r.outcome() == FlushResult.Outcome.EMPTY).as("%s", r).isTrue();
        assertThat(t.stats().pending()).isZero();
      }
      UsageSummary summary = collect(T0.plusSeconds(60)).orElseThrow();
      BigInteger max = BigInteger.valueOf(Long.MAX_VALUE);
      assertThat(summary.allowedRequests()).isEqualTo(allowed.min(max).longValueExact());
      assertThat(summary.deniedRequests()).isEqualTo(denied.min(max).longValueExact());
      assertThat(summary.uniqueWorkspaces()).isEqualTo(seenWorkspaces.size());
      assertThat(summary.uniqueUsers()).isEqualTo(seenUsers.size());
    } finally {
      replicas.forEach(UsageStatsTracker::close);
    }
  }

  /** Mostly small counts, some negative, some near {@code Long.MAX_VALUE}. */
  private static long randomCount(Random random) {
    switch (random.nextInt(10)) {
      case 0:
        return -1 - random.nextInt(1000);
      case 1:
        return Long.MAX_VALUE - random.nextInt(1000);
      case 2:
        return random.nextLong() >>> 1; // any non-negative long
      default:
        return random.nextInt(1000);
    }
  }

  private static UsageStatsReporter reporter(UsageStatsStore s, ManualClock clock, String id) {
    return UsageStatsReporter.builder(s).period(PERIOD).clock(clock).reporterId(id).build();
  }

  private UsageStatsTracker tracker(ManualClock clock) {
    return UsageStatsTracker.builder(store(), UUID.randomUUID()).clock(clock).build();
  }
}
