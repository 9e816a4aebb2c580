package io.tally.core.usagestats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.tally.core.Clock;
import io.tally.core.ComponentStats;
import io.tally.core.DropReasons;
import io.tally.core.FlushResult;
import io.tally.core.Health;
import io.tally.core.HealthPolicy;
import io.tally.testkit.ConservationCheck;
import io.tally.testkit.FaultyStore;
import io.tally.testkit.InMemoryUsageStatsStore;
import io.tally.testkit.ManualClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.LoggerFactory;

class UsageStatsTrackerTest {
  private static final Duration PERIOD = Duration.ofMinutes(30);
  private static final Duration TIMEOUT = Duration.ofSeconds(10);

  @RegisterExtension final ConservationCheck conservation = ConservationCheck.create();

  private final ManualClock clock = ManualClock.create();
  private final InMemoryUsageStatsStore memory = new InMemoryUsageStatsStore();
  private final FaultyStore<UsageStatsStore> faulty =
      FaultyStore.<UsageStatsStore>wrap(memory).affecting("flush");
  private final UsageStatsStore store = faulty.store();
  private final List<UsageStatsTracker> trackers = new ArrayList<>();
  private final List<FlushResult> flushes = Collections.synchronizedList(new ArrayList<>());
  private UsageStatsReporter reporter;
  private ListAppender<ILoggingEvent> logs;
  private Logger logger;

  private final UUID w1 = UUID.randomUUID();
  private final UUID w2 = UUID.randomUUID();
  private final UUID w3 = UUID.randomUUID();
  private final UUID w4 = UUID.randomUUID();
  private final UUID u1 = UUID.randomUUID();
  private final UUID u2 = UUID.randomUUID();

  @BeforeEach
  void setUp() {
    reporter = UsageStatsReporter.builder(memory).period(PERIOD).clock(clock).build();
    logger = (Logger) LoggerFactory.getLogger(UsageStatsTracker.class);
    logs = new ListAppender<>();
    logs.start();
    logger.addAppender(logs);
  }

  @AfterEach
  void tearDown() {
    faulty.reset();
    for (UsageStatsTracker t : trackers) {
      t.close(); // the conservation check runs after this
    }
    reporter.close();
    logger.detachAppender(logs);
  }

  private static void assertConserved(ComponentStats s) {
    ConservationCheck.assertConserved(s);
  }

  private UsageStatsTracker tracker(UUID replica) {
    UsageStatsTracker t =
        UsageStatsTracker.builder(store, replica)
            .clock(clock)
            .flushListener((name, result) -> flushes.add(result))
            .build();
    trackers.add(conservation.watch(t));
    return t;
  }

  private UsageStatsTracker tracker() {
    return tracker(UUID.randomUUID());
  }

  private ReplicaUsage row(UsageStatsTracker t) {
    return memory.replicaUsage().stream()
        .filter(r -> r.replicaId().equals(t.replicaId()))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no row for " + t.replicaId()));
  }

  /** Moves to the next period boundary and collects. */
  private UsageSummary collectNextPeriod() {
    clock.advance(PERIOD);
    return reporter.collectAndReset().orElseThrow();
  }

  // ----- the reference's cases ------------------------------------------------------------------

  @Test
  void trackAndFlushWritesTheReplicaRow() {
    UsageStatsTracker t = tracker();
    t.track(w1, u1, 5, 2);
    t.track(w2, u1, 1, 0);

    FlushResult result = t.flush();

    assertThat(result.outcome()).isEqualTo(FlushResult.Outcome.SUCCESS);
    assertThat(result.rows()).isEqualTo(2);
    assertThat(memory.replicaUsage())
        .containsExactly(new ReplicaUsage(t.replicaId(), clock.now(), 2, 1, 6, 2, clock.now()));
    assertThat(t.stats().flushedRows()).isEqualTo(2);
    assertThat(t.stats().flushes()).isEqualTo(1);
    assertThat(t.stats().pending()).isZero();
  }

  @Test
  void noNewUsageMeansNoWriteAndNoStaleDataAfterAReset() {
    UsageStatsTracker t = tracker();
    t.track(w1, u1, 1, 1);
    t.flush();
    long calls = faulty.calls();

    assertThat(t.flush().outcome()).isEqualTo(FlushResult.Outcome.EMPTY);
    assertThat(faulty.calls()).isEqualTo(calls);

    collectNextPeriod();
    assertThat(t.flush().outcome()).isEqualTo(FlushResult.Outcome.EMPTY);
    assertThat(faulty.calls()).isEqualTo(calls);
    assertThat(memory.replicaUsage()).isEmpty();
  }

  @Test
  void insertWritesTheDeltaAndUpdateTheCumulativeUniqueCounts() {
    UsageStatsTracker t = tracker();
    t.track(w1, u1, 1, 0);
    t.track(w2, u1, 1, 0);
    t.flush(); // INSERT: delta = cumulative = {w1, w2}, {u1}
    assertThat(row(t).uniqueWorkspaces()).isEqualTo(2);

    t.track(w3, u2, 1, 0);
    t.flush(); // UPDATE: delta {w3} {u2}, cumulative {w1, w2, w3} {u1, u2}
    assertThat(row(t).uniqueWorkspaces()).isEqualTo(3);
    assertThat(row(t).uniqueUsers()).isEqualTo(2);

    collectNextPeriod();
    t.track(w4, u2, 1, 0);
    t.track(w1, u2, 1, 0);
    t.flush(); // INSERT: delta {w4, w1} {u2}; the old cumulative would say 4 and 2
    assertThat(row(t).uniqueWorkspaces()).isEqualTo(2);
    assertThat(row(t).uniqueUsers()).isEqualTo(1);

    t.track(w2, u1, 1, 0);
    t.flush(); // UPDATE: cumulative restarted from {w4, w1} {u2}: now {w4, w1, w2} {u2, u1}
    assertThat(row(t).uniqueWorkspaces()).isEqualTo(3);
    assertThat(row(t).uniqueUsers()).isEqualTo(2);
  }

  @Test
  void countersAccumulateAcrossFlushes() {
    UsageStatsTracker t = tracker();
    t.track(w1, u1, 3, 1);
    t.flush();
    t.track(w1, u1, 4, 10);
    t.flush();
    t.track(w1, u1, 5, 100);
    t.flush();

    assertThat(row(t).allowedRequests()).isEqualTo(12);
    assertThat(row(t).deniedRequests()).isEqualTo(111);
    assertThat(row(t).uniqueWorkspaces()).isEqualTo(1);
  }

  @Test
  void usageTrackedDuringAnInFlightFlushGoesToTheNextFlush() throws Exception {
    UsageStatsTracker t = tracker();
    t.track(w1, u1, 1, 0);
    faulty.block();
    CompletableFuture<FlushResult> inFlight = CompletableFuture.supplyAsync(t::flush);
    faulty.awaitBlocked(1, TIMEOUT);

    t.track(w2, u2, 10, 0);
    assertThat(t.stats().pending()).isEqualTo(2);
    faulty.release();
    FlushResult first = inFlight.get(10, TimeUnit.SECONDS);

    assertThat(first.rows()).isEqualTo(1);
    assertThat(row(t).allowedRequests()).isEqualTo(1);
    assertThat(row(t).uniqueWorkspaces()).isEqualTo(1);
    FlushResult second = t.flush();
    assertThat(second.rows()).isEqualTo(1);
    assertThat(row(t).allowedRequests()).isEqualTo(11);
    assertThat(row(t).uniqueWorkspaces()).isEqualTo(2);
    assertThat(row(t).uniqueUsers()).isEqualTo(2);
  }

  @Test
  void afterAResetTheNextFlushStartsAFreshRowWithOnlyNewUsage() {
    UsageStatsTracker t = tracker();
    t.track(w1, u1, 7, 7);
    t.track(w2, u1, 7, 7);
    t.flush();
    UsageSummary first = collectNextPeriod();
    assertThat(first.allowedRequests()).isEqualTo(14);

    t.track(w3, u2, 1, 2);
    t.flush();

    assertThat(memory.replicaUsage())
        .containsExactly(new ReplicaUsage(t.replicaId(), clock.now(), 1, 1, 1, 2, clock.now()));
    UsageSummary second = collectNextPeriod();
    assertThat(second.uniqueWorkspaces()).isEqualTo(1);
    assertThat(second.uniqueUsers()).isEqualTo(1);
    assertThat(second.allowedRequests()).isEqualTo(1);
    assertThat(second.deniedRequests()).isEqualTo(2);
  }

  @Test
  void secondCollectInTheSamePeriodReturnsEmpty() {
    UsageStatsTracker t = tracker();
    t.track(w1, u1, 1, 0);
    t.flush();
    UsageStatsReporter other =
        UsageStatsReporter.builder(memory).period(PERIOD).clock(clock).build();

    assertThat(reporter.collectAndReset()).isPresent();
    t.track(w2, u1, 1, 0);
    t.flush();
    clock.advance(PERIOD.minusSeconds(1));

    assertThat(reporter.collectAndReset()).isEmpty();
    assertThat(other.collectAndReset()).isEmpty();
    assertThat(memory.replicaUsage()).hasSize(1);
    clock.advance(Duration.ofSeconds(1));
    assertThat(other.collectAndReset()).map(UsageSummary::allowedRequests).contains(1L);
    assertThat(reporter.stats().flushes()).isEqualTo(1);
    assertThat(other.stats().flushes()).isEqualTo(1);
  }

  // ----- our fixes ------------------------------------------------------------------------------

  @Test
  void failedFlushKeepsTheSnapshotAndTheNextFlushWritesExactTotals() {
    UsageStatsTracker t = tracker();
    t.track(w1, u1, 3, 1);
    t.track(w2, u1, 2, 0);
    faulty.failNext(2);

    assertThat(t.flush().outcome()).isEqualTo(FlushResult.Outcome.FAILED);
    t.track(w3, u2, 10, 0);
    assertThat(t.flush().outcome()).isEqualTo(FlushResult.Outcome.FAILED);
    assertThat(memory.replicaUsage()).isEmpty();
    assertThat(t.stats().pending()).isEqualTo(3);
    assertThat(t.stats().failedFlushes()).isEqualTo(2);
    assertThat(t.stats().consecutiveFailures()).isEqualTo(2);

    FlushResult ok = t.flush();

    assertThat(ok.outcome()).isEqualTo(FlushResult.Outcome.SUCCESS);
    assertThat(ok.rows()).isEqualTo(3);
    assertThat(row(t).allowedRequests()).isEqualTo(15);
    assertThat(row(t).deniedRequests()).isEqualTo(1);
    assertThat(row(t).uniqueWorkspaces()).isEqualTo(3);
    assertThat(row(t).uniqueUsers()).isEqualTo(2);
    assertThat(t.stats().pending()).isZero();
    assertThat(t.stats().retries()).isEqualTo(2);
    assertThat(t.stats().consecutiveFailures()).isZero();
    UsageSummary summary = collectNextPeriod();
    assertThat(summary.allowedRequests()).isEqualTo(15);
    assertThat(summary.uniqueWorkspaces()).isEqualTo(3);
  }

  @Test
  void commitThenThrowIsNotCountedTwice() {
    UsageStatsTracker t = tracker();
    t.track(w1, u1, 3, 1);
    faulty.commitThenThrowNext(1);

    assertThat(t.flush().outcome()).isEqualTo(FlushResult.Outcome.FAILED);
    assertThat(row(t).allowedRequests()).isEqualTo(3); // it did commit
    t.track(w2, u2, 4, 0);
    FlushResult retry = t.flush();

    assertThat(retry.outcome()).isEqualTo(FlushResult.Outcome.SUCCESS);
    assertThat(retry.rows()).isEqualTo(2);
    assertThat(row(t).allowedRequests()).isEqualTo(7);
    assertThat(row(t).deniedRequests()).isEqualTo(1);
    assertThat(row(t).uniqueWorkspaces()).isEqualTo(2);
    UsageSummary summary = collectNextPeriod();
    assertThat(summary.allowedRequests()).isEqualTo(7);
    assertThat(summary.uniqueWorkspaces()).isEqualTo(2);
    assertThat(summary.uniqueUsers()).isEqualTo(2);
  }

  @Test
  void commitThenThrowFollowedByAResetIsNotCountedAgainInTheNextPeriod() {
    UsageStatsTracker t = tracker();
    t.track(w1, u1, 3, 1);
    faulty.commitThenThrowNext(1);
    t.flush();
    UsageSummary first = collectNextPeriod(); // counts the committed, in-doubt snapshot

    t.track(w2, u2, 4, 0);
    t.flush(); // re-sends the in-doubt snapshot (already applied), then the new usage

    assertThat(first.allowedRequests()).isEqualTo(3);
    UsageSummary second = collectNextPeriod();
    assertThat(second.allowedRequests()).isEqualTo(4);
    assertThat(second.deniedRequests()).isZero();
    assertThat(second.uniqueWorkspaces()).isEqualTo(1);
    assertThat(second.replicas().get(0).uniqueWorkspaces()).isEqualTo(1);
  }

  @Test
  void commitThenThrowOfAnInsertRestartsTheCumulativeSets() {
    UsageStatsTracker t = tracker();
    t.track(w1, u1, 1, 0);
    t.track(w2, u1, 1, 0);
    t.flush();
    collectNextPeriod();
    t.track(w3, u2, 1, 0);
    faulty.commitThenThrowNext(1);
    t.flush(); // INSERTed {w3} {u2}, but the tracker did not hear it

    t.track(w4, u2, 1, 0);
    t.flush(); // replay says ALREADY_INSERTED: cumulative restarts from {w3}, then adds {w4}

    assertThat(row(t).uniqueWorkspaces()).isEqualTo(2);
    assertThat(row(t).uniqueUsers()).isEqualTo(1);
  }

  @Test
  void timedOutFlushThatCommitsLateIsNotCountedTwice() throws Exception {
    UsageStatsTracker t =
        UsageStatsTracker.builder(store, UUID.randomUUID())
            .clock(clock)
            .flushTimeout(Duration.ofMillis(200))
            .build();
    trackers.add(conservation.watch(t));
    t.track(w1, u1, 5, 0);
    faulty.block();

    FlushResult timedOut = t.flush();

    assertThat(timedOut.outcome()).isEqualTo(FlushResult.Outcome.TIMED_OUT);
    faulty.release();
    t.track(w2, u1, 1, 0);
    assertThat(t.flush().isSuccess()).isTrue();
    assertThat(row(t).allowedRequests()).isEqualTo(6);
    assertThat(t.stats().pending()).isZero();
  }

  @Test
  void aWorkspaceSeenByThreeReplicasCountsOnce() {
    UsageStatsTracker a = tracker();
    UsageStatsTracker b = tracker();
    UsageStatsTracker c = tracker();
    a.track(w1, u1, 1, 0);
    b.track(w1, u1, 2, 0);
    c.track(w1, u2, 3, 1);
    c.track(w2, u2, 0, 1);
    a.flush();
    b.flush();
    c.flush();

    UsageSummary summary = collectNextPeriod();

    assertThat(summary.uniqueWorkspaces()).isEqualTo(2);
    assertThat(summary.uniqueUsers()).isEqualTo(2);
    assertThat(summary.allowedRequests()).isEqualTo(6);
    assertThat(summary.deniedRequests()).isEqualTo(2);
    assertThat(summary.replicas()).hasSize(3);
    assertThat(summary.replicas().stream().mapToLong(ReplicaUsage::uniqueWorkspaces).sum())
        .isEqualTo(4); // the per-replica counts are each replica's own
    assertThat(summary.periodStart()).isEqualTo(clock.now().minus(PERIOD));
    assertThat(summary.periodDuration()).isEqualTo(PERIOD);
  }

  @Test
  void closeMakesAFinalFlushAndRejectsLaterCalls() {
    UsageStatsTracker t = tracker();
    t.track(w1, u1, 2, 3);

    t.close();
    t.close(); // idempotent

    assertThat(row(t).allowedRequests()).isEqualTo(2);
    assertThat(row(t).deniedRequests()).isEqualTo(3);
    assertThat(t.stats().flushedRows()).isEqualTo(1);
    assertThat(t.stats().droppedTotal()).isZero();
    assertThatThrownBy(() -> t.track(w1, u1, 1, 0))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("closed");
    assertThat(t.flush().outcome()).isEqualTo(FlushResult.Outcome.EMPTY); // like every component
    assertThat(clock.pendingTasks()).isZero();
  }

  @Test
  void closeRetriesAFailedFinalFlushWithinItsShutdownTimeout() {
    UsageStatsTracker t = tracker();
    t.track(w1, u1, 2, 3);
    t.track(w2, u1, 2, 3);
    faulty.failNext(2);

    t.close();

    assertThat(t.stats().droppedTotal()).isZero();
    assertThat(t.stats().flushedRows()).isEqualTo(2);
    assertThat(row(t).allowedRequests()).isEqualTo(4);
    assertThat(faulty.faultsInjected()).isEqualTo(2);
    assertConserved(t.stats());
  }

  @Test
  void closeWhenTheStoreFailsCountsAndLogsWhatItCouldNotWrite() {
    Duration budget = Duration.ofMillis(500);
    UsageStatsTracker t =
        UsageStatsTracker.builder(store, UUID.randomUUID())
            .clock(clock)
            .shutdownTimeout(budget)
            .build();
    trackers.add(conservation.watch(t));
    t.track(w1, u1, 2, 3);
    t.track(w2, u1, 2, 3);
    faulty.failing(true);
    Clock real = Clock.system();
    long start = real.nanoTime();

    t.close();

    assertThat(Duration.ofNanos(real.nanoTime() - start)).isGreaterThanOrEqualTo(budget);
    assertThat(faulty.faultsInjected()).isGreaterThan(2); // it kept trying until the budget ended
    assertThat(t.stats().dropped()).containsEntry(DropReasons.SHUTDOWN, 2L);
    assertThat(t.stats().pending()).isZero();
    assertConserved(t.stats());
    assertThat(logs.list)
        .anySatisfy(
            e -> {
              assertThat(e.getLevel()).isEqualTo(Level.ERROR);
              assertThat(e.getFormattedMessage()).contains("2 tracked call(s) not written");
            });
  }

  @Test
  void closeIsBoundedByTheShutdownTimeoutWhenTheStoreHangs() {
    UsageStatsTracker t =
        UsageStatsTracker.builder(store, UUID.randomUUID())
            .clock(clock)
            .shutdownTimeout(Duration.ofMillis(200))
            .build();
    trackers.add(conservation.watch(t));
    t.track(w1, u1, 1, 0);
    faulty.block();

    t.close();

    assertThat(t.stats().dropped()).containsEntry(DropReasons.SHUTDOWN, 1L);
    faulty.release();
  }

  // ----- timer, stats, health, validation -------------------------------------------------------

  @Test
  void flushesEveryIntervalOnTheClock() {
    UsageStatsTracker t = tracker();
    t.track(w1, u1, 1, 0);
    clock.advance(Duration.ofSeconds(59));
    assertThat(memory.replicaUsage()).isEmpty();

    clock.advance(Duration.ofSeconds(1));
    assertThat(row(t).allowedRequests()).isEqualTo(1);

    t.track(w1, u1, 1, 0);
    clock.advance(Duration.ofMinutes(1));
    assertThat(row(t).allowedRequests()).isEqualTo(2);
    assertThat(clock.pendingDelays()).containsExactly(Duration.ofMinutes(1));
  }

  @Test
  void aThrowingStoreNeverStopsTheTimer() {
    UsageStatsTracker t = tracker();
    t.track(w1, u1, 1, 0);
    faulty.failing(true);
    clock.advance(Duration.ofMinutes(3));
    assertThat(t.stats().failedFlushes()).isEqualTo(3);
    assertThat(t.health()).isEqualTo(Health.DEGRADED);
    assertThat(logs.list)
        .extracting(ILoggingEvent::getLevel)
        .containsExactly(Level.WARN, Level.ERROR, Level.ERROR);
    assertThat(logs.list.get(2).getThrowableProxy()).isNotNull();

    faulty.failing(false);
    clock.advance(Duration.ofMinutes(1));
    assertThat(t.health()).isEqualTo(Health.HEALTHY);
    assertThat(row(t).allowedRequests()).isEqualTo(1);
  }

  @Test
  void healthTurnsFailingWhenNothingSucceedsForTheConfiguredTime() {
    UsageStatsTracker t =
        UsageStatsTracker.builder(store, UUID.randomUUID())
            .clock(clock)
            .healthPolicy(HealthPolicy.of(10, Duration.ofMinutes(2)))
            .build();
    trackers.add(conservation.watch(t));
    t.track(w1, u1, 1, 0);
    faulty.failing(true);
    clock.advance(Duration.ofMinutes(1));
    assertThat(t.health()).isEqualTo(Health.HEALTHY);
    clock.advance(Duration.ofMinutes(1));
    assertThat(t.health()).isEqualTo(Health.FAILING);
  }

  @Test
  void listenersSeeEveryFlushAndAThrowingListenerIsHarmless() {
    UsageStatsTracker t =
        UsageStatsTracker.builder(store, UUID.randomUUID())
            .clock(clock)
            .flushInterval(Duration.ofMinutes(1))
            .flushListener(
                (name, r) -> {
                  throw new AssertionError("listener bug"); // an Error, not an exception
                })
            .flushListener((name, r) -> flushes.add(r))
            .build();
    trackers.add(conservation.watch(t));
    t.track(w1, u1, 1, 0);
    assertThat(t.flush().outcome()).isEqualTo(FlushResult.Outcome.SUCCESS);
    t.track(w2, u1, 1, 0);
    clock.advance(Duration.ofMinutes(1)); // the timer's flush: the Error must not escape

    assertThat(flushes)
        .extracting(FlushResult::outcome)
        .containsExactly(FlushResult.Outcome.SUCCESS, FlushResult.Outcome.SUCCESS);
    assertThat(clock.pendingDelays()).containsExactly(Duration.ofMinutes(1));
    ComponentStats s = t.stats();
    assertThat(s.callbackFailures()).isEqualTo(2);
    assertThat(s.flushedRows()).isEqualTo(2);
  }

  @Test
  void statsAreConservedWhileManyThreadsTrackAndFlush() throws Exception {
    UsageStatsTracker t = tracker();
    int threads = 4;
    int calls = 5_000;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    CountDownLatch start = new CountDownLatch(1);
    try {
      List<Future<?>> futures = new ArrayList<>();
      for (int i = 0; i < threads; i++) {
        futures.add(
            pool.submit(
                () -> {
                  start.await(10, TimeUnit.SECONDS);
                  for (int n = 0; n < calls; n++) {
                    t.track(n % 2 == 0 ? w1 : w2, u1, 1, 2);
                  }
                  return null;
                }));
      }
      start.countDown();
      while (!futures.stream().allMatch(Future::isDone)) {
        t.flush();
        assertConserved(t.stats());
      }
      for (Future<?> f : futures) {
        f.get(10, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    t.flush();

    assertThat(t.stats().accepted()).isEqualTo((long) threads * calls);
    assertThat(t.stats().flushedRows()).isEqualTo((long) threads * calls);
    assertThat(row(t).allowedRequests()).isEqualTo((long) threads * calls);
    assertThat(row(t).deniedRequests()).isEqualTo(2L * threads * calls);
    assertThat(row(t).uniqueWorkspaces()).isEqualTo(2);
  }

  @Test
  void trackRejectsNullIdsAndNegativeCounts() {
    UsageStatsTracker t = tracker();
    assertThatThrownBy(() -> t.track(null, u1, 1, 1))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("workspaceId");
    assertThatThrownBy(() -> t.track(w1, null, 1, 1))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("userId");
    assertThatThrownBy(() -> t.track(w1, u1, -1, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("allowed was -1 but must be >= 0");
    assertThatThrownBy(() -> t.track(w1, u1, 1, -2))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("denied was -2 but must be >= 0");
    assertThat(t.stats().accepted()).isZero();
  }

  @Test
  void builderValidatesEveryOption() {
    UUID replica = UUID.randomUUID();
    assertThatThrownBy(() -> UsageStatsTracker.builder(null, replica))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("store");
    assertThatThrownBy(() -> UsageStatsTracker.builder(store, null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("replicaId");
    assertThatThrownBy(
            () ->
                UsageStatsTracker.builder(store, replica)
                    .flushInterval(Duration.ofSeconds(-1))
                    .build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("flushInterval was PT-1S but must be positive");
    assertThatThrownBy(
            () -> UsageStatsTracker.builder(store, replica).flushTimeout(Duration.ZERO).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("flushTimeout was PT0S but must be positive");
    assertThatThrownBy(
            () -> UsageStatsTracker.builder(store, replica).shutdownTimeout(Duration.ZERO).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("shutdownTimeout was PT0S but must be positive");
    assertThatThrownBy(() -> UsageStatsTracker.builder(store, replica).name("bad name").build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("name was 'bad name'");
    assertThatThrownBy(() -> UsageStatsTracker.builder(store, replica).clock(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("clock");
    assertThat(UsageStatsTracker.Builder.DEFAULT_FLUSH_INTERVAL).isEqualTo(Duration.ofMinutes(1));
  }

  @Test
  void nameAppearsInStatsAndDefaultsToUsageStats() {
    UsageStatsTracker t = tracker();
    assertThat(t.name()).isEqualTo("usage-stats");
    assertThat(t.stats().component()).isEqualTo("usage-stats");
  }
}
