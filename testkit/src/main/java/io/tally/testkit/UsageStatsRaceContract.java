package io.tally.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.tally.core.usagestats.UsageStatsReporter;
import io.tally.core.usagestats.UsageStatsStore;
import io.tally.core.usagestats.UsageStatsTracker;
import io.tally.core.usagestats.UsageSummary;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The multi-replica usage-stats contract, for a store on a real database: several replicas track
 * from several threads each, flush all the time, and a reporter collects meanwhile. Every count
 * must come out exact. A store's test subclasses it and gives a fresh store (with its own tables)
 * whose data source lends at least {@value #REPLICAS} + 2 connections at once.
 */
public abstract class UsageStatsRaceContract {
  /** Checks conservation after each test. */
  @RegisterExtension final ConservationCheck conservation = ConservationCheck.create();

  private static final Duration PERIOD = Duration.ofMinutes(30);
  private static final Duration NEVER = Duration.ofDays(3650); // flushes are driven by the test

  /** The replicas that flush at once: {@value}. */
  protected static final int REPLICAS = 3;

  private final ManualClock clock = ManualClock.create();
  private final ExecutorService pool = Executors.newCachedThreadPool();
  private UsageStatsStore store;
  private final List<UsageStatsTracker> trackers = new ArrayList<>();
  private UsageStatsReporter reporter;

  /**
   * Creates a fresh, migrated store with tables of its own.
   *
   * @return the store
   */
  protected abstract UsageStatsStore createStore();

  /** Releases what {@link #createStore()} opened (e.g. a pool); called after each test. */
  protected void closeStore() {}

  @BeforeEach
  void setUp() {
    store = createStore();
    for (int r = 0; r < REPLICAS; r++) {
      trackers.add(
          conservation.watch(
              UsageStatsTracker.builder(store, UUID.randomUUID())
                  .clock(clock)
                  .flushInterval(NEVER)
                  .build()));
    }
    reporter = UsageStatsReporter.builder(store).period(PERIOD).clock(clock).build();
  }

  @AfterEach
  void tearDown() {
    trackers.forEach(UsageStatsTracker::close);
    reporter.close();
    pool.shutdownNow();
    closeStore();
  }

  @Test
  void reporterCollectingWhileReplicasTrackAndFlushCountsEveryRequestExactlyOnce()
      throws Exception {
    int threadsPerReplica = 4;
    int minCollects = 5;
    LongAdder allowed = new LongAdder();
    LongAdder denied = new LongAdder();
    LongAdder calls = new LongAdder();
    AtomicBoolean trackingDone = new AtomicBoolean();
    AtomicLongArray flushes = new AtomicLongArray(REPLICAS);
    List<UsageSummary> summaries = new CopyOnWriteArrayList<>();
    List<UUID> workspaces = ids(200);
    List<UUID> users = ids(50);

    List<Future<?>> tracking = new ArrayList<>();
    for (UsageStatsTracker t : trackers) {
      for (int i = 0; i < threadsPerReplica; i++) {
        tracking.add(
            pool.submit(
                () -> {
                  ThreadLocalRandom random = ThreadLocalRandom.current();
                  // Keep tracking until the reporter has collected several periods meanwhile.
                  for (int n = 0; n < 2_000 || summaries.size() < minCollects; n++) {
                    long a = random.nextInt(4);
                    long d = random.nextInt(3);
                    t.track(pick(workspaces, random), pick(users, random), a, d);
                    allowed.add(a);
                    denied.add(d);
                    calls.increment();
                  }
                  return null;
                }));
      }
    }
    List<Future<?>> flushers = new ArrayList<>();
    for (int r = 0; r < REPLICAS; r++) {
      int replica = r;
      flushers.add(
          pool.submit(
              () -> {
                while (!trackingDone.get()) {
                  if (trackers.get(replica).flush().isSuccess()) {
                    flushes.incrementAndGet(replica);
                  }
                }
                return null;
              }));
    }
    Future<?> reporting =
        pool.submit(
            () -> {
              while (!trackingDone.get()) {
                clock.advance(PERIOD);
                reporter.collectAndReset().ifPresent(summaries::add);
                // Pace the clock: let every flush that was running during this collect finish
                // before time moves on again, so no row becomes older than two periods (the
                // dead-replica cut-off) before a collect sees it.
                long[] seen = snapshot(flushes);
                Await.until(
                    "each replica flushed twice since the collect",
                    () -> trackingDone.get() || flushedTwiceSince(flushes, seen));
              }
              return null;
            });

    for (Future<?> f : tracking) {
      f.get(60, TimeUnit.SECONDS);
    }
    trackingDone.set(true);
    for (Future<?> f : flushers) {
      f.get(30, TimeUnit.SECONDS);
    }
    reporting.get(30, TimeUnit.SECONDS);
    for (UsageStatsTracker t : trackers) {
      t.close(); // final flush
    }
    clock.advance(PERIOD);
    summaries.add(reporter.collectAndReset().orElseThrow());

    assertThat(summaries.size()).isGreaterThan(minCollects);
    assertThat(summaries.stream().mapToLong(UsageSummary::allowedRequests).sum())
        .isEqualTo(allowed.sum());
    assertThat(summaries.stream().mapToLong(UsageSummary::deniedRequests).sum())
        .isEqualTo(denied.sum());
    long written = 0;
    for (UsageStatsTracker t : trackers) {
      assertThat(t.stats().failedFlushes()).isZero();
      assertThat(t.stats().droppedTotal()).isZero();
      written += t.stats().flushedRows();
    }
    assertThat(written).isEqualTo(calls.sum());
    assertThat(store.replicaUsage()).isEmpty();
    for (UsageSummary s : summaries) {
      assertThat(s.uniqueWorkspaces()).isBetween(0L, (long) workspaces.size());
      assertThat(s.uniqueUsers()).isBetween(0L, (long) users.size());
    }
  }

  @Test
  void eachRoundsSummaryCountsExactlyTheIdsAndRequestsOfThatRound() throws Exception {
    int threadsPerReplica = 2;
    for (int round = 1; round <= 5; round++) {
      List<UUID> workspaces = ids(40);
      List<UUID> users = ids(15);
      Set<UUID> seenWorkspaces = ConcurrentHashMap.newKeySet();
      Set<UUID> seenUsers = ConcurrentHashMap.newKeySet();
      LongAdder allowed = new LongAdder();
      LongAdder denied = new LongAdder();
      AtomicBoolean trackingDone = new AtomicBoolean();
      int tracksPerThread = 500 * round;

      List<Future<?>> tracking = new ArrayList<>();
      for (UsageStatsTracker t : trackers) {
        for (int i = 0; i < threadsPerReplica; i++) {
          tracking.add(
              pool.submit(
                  () -> {
                    ThreadLocalRandom random = ThreadLocalRandom.current();
                    for (int n = 0; n < tracksPerThread; n++) {
                      UUID w = pick(workspaces, random);
                      UUID u = pick(users, random);
                      long a = random.nextInt(5);
                      long d = random.nextInt(2);
                      t.track(w, u, a, d);
                      seenWorkspaces.add(w);
                      seenUsers.add(u);
                      allowed.add(a);
                      denied.add(d);
                    }
                    return null;
                  }));
        }
      }
      List<Future<?>> flushers = new ArrayList<>();
      for (UsageStatsTracker t : trackers) {
        flushers.add(
            pool.submit(
                () -> {
                  while (!trackingDone.get()) {
                    t.flush();
                  }
                  return null;
                }));
      }
      for (Future<?> f : tracking) {
        f.get(60, TimeUnit.SECONDS);
      }
      trackingDone.set(true);
      for (Future<?> f : flushers) {
        f.get(30, TimeUnit.SECONDS);
      }
      for (UsageStatsTracker t : trackers) {
        assertThat(t.flush().isSuccess()).isTrue();
      }
      clock.advance(PERIOD);

      UsageSummary summary = reporter.collectAndReset().orElseThrow();

      assertThat(summary.uniqueWorkspaces()).as("round %d", round).isEqualTo(seenWorkspaces.size());
      assertThat(summary.uniqueUsers()).as("round %d", round).isEqualTo(seenUsers.size());
      assertThat(summary.allowedRequests()).as("round %d", round).isEqualTo(allowed.sum());
      assertThat(summary.deniedRequests()).as("round %d", round).isEqualTo(denied.sum());
      assertThat(summary.replicas()).hasSize(REPLICAS);
      assertThat(summary.periodStart()).isEqualTo(clock.now().minus(PERIOD));
    }
  }

  private static List<UUID> ids(int n) {
    List<UUID> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      out.add(UUID.randomUUID());
    }
    return out;
  }

  private static UUID pick(List<UUID> ids, ThreadLocalRandom random) {
    return ids.get(random.nextInt(ids.size()));
  }

  private static long[] snapshot(AtomicLongArray counts) {
    long[] out = new long[counts.length()];
    for (int i = 0; i < out.length; i++) {
      out[i] = counts.get(i);
    }
    return out;
  }

  private static boolean flushedTwiceSince(AtomicLongArray counts, long[] seen) {
    for (int i = 0; i < seen.length; i++) {
      if (counts.get(i) < seen[i] + 2) {
        return false;
      }
    }
    return true;
  }
}
