package io.tally.core.lastused;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

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
import io.tally.testkit.Await;
import io.tally.testkit.ConservationCheck;
import io.tally.testkit.FaultyStore;
import io.tally.testkit.InMemoryLastUsedStore;
import io.tally.testkit.ManualClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class LastUsedTrackerTest {
  private static final Duration INTERVAL = Duration.ofSeconds(30);
  private static final Duration BOUND = Duration.ofSeconds(5);

  private final ManualClock clock = ManualClock.create();
  private final Instant t0 = clock.now();
  private final InMemoryLastUsedStore<String> memory = new InMemoryLastUsedStore<>();
  private final FaultyStore<LastUsedStore<String>> faulty = FaultyStore.wrap(memory);
  private final List<LastUsedTracker<String>> trackers = new ArrayList<>();
  private ListAppender<ILoggingEvent> logs;
  private Level oldLevel;

  private LastUsedTracker.Builder<String> builder() {
    return LastUsedTracker.builder(faulty.store()).clock(clock).flushInterval(INTERVAL);
  }

  private LastUsedTracker<String> tracker() {
    return started(builder());
  }

  private LastUsedTracker<String> started(LastUsedTracker.Builder<String> b) {
    LastUsedTracker<String> t = b.build();
    trackers.add(t);
    return t;
  }

  @AfterEach
  void closeAndCheckConservation() {
    faulty.reset();
    for (LastUsedTracker<String> t : trackers) {
      t.close();
      ConservationCheck.assertConserved(t.stats());
    }
    if (logs != null) {
      Logger logger = (Logger) LoggerFactory.getLogger(LastUsedTracker.class);
      logger.detachAppender(logs);
      logger.setLevel(oldLevel);
    }
  }

  private List<ILoggingEvent> captureLogs() {
    Logger logger = (Logger) LoggerFactory.getLogger(LastUsedTracker.class);
    oldLevel = logger.getLevel();
    logger.setLevel(Level.DEBUG);
    logs = new ListAppender<>();
    logs.start();
    logger.addAppender(logs);
    return logs.list;
  }

  @Test
  void deDuplicatesIdsIntoOneEntryEach() {
    LastUsedTracker<String> t = tracker();
    for (int i = 0; i < 5; i++) {
      t.markUsed("a", t0.plusSeconds(i));
    }
    t.markUsed("b", t0);

    FlushResult r = t.flush();

    assertThat(r.outcome()).isEqualTo(FlushResult.Outcome.SUCCESS);
    assertThat(r.rows()).isEqualTo(2);
    assertThat(memory.batches()).containsExactly(Map.of("a", t0.plusSeconds(4), "b", t0));
    ComponentStats s = t.stats();
    assertThat(s.accepted()).isEqualTo(6);
    assertThat(s.coalesced()).isEqualTo(4);
    assertThat(s.flushedRows()).isEqualTo(2);
    assertThat(s.flushes()).isEqualTo(1);
    assertThat(s.pending()).isZero();
    assertThat(s.lastSuccess()).contains(t0);
  }

  @Test
  void emptyFlushMakesNoStoreCall() {
    LastUsedTracker<String> t = tracker();
    assertThat(t.flush()).isSameAs(FlushResult.empty());
    clock.advance(INTERVAL.multipliedBy(3));
    assertThat(faulty.calls()).isZero();
    assertThat(t.stats().flushes()).isZero();

    t.markUsed("a");
    t.flush();
    assertThat(t.flush().outcome()).isEqualTo(FlushResult.Outcome.EMPTY);
    assertThat(faulty.calls()).isEqualTo(1);
  }

  @Test
  void keepsTheLatestTimePerIdWhateverTheOrder() {
    LastUsedTracker<String> t = tracker();
    t.markUsed("a", t0.plusSeconds(20));
    t.markUsed("a", t0.plusSeconds(10));
    t.markUsed("b", t0.plusSeconds(1));
    t.markUsed("b", t0.plusSeconds(3));
    t.markUsed("b", t0.plusSeconds(2));
    t.flush();
    assertThat(memory.snapshot())
        .isEqualTo(Map.of("a", t0.plusSeconds(20), "b", t0.plusSeconds(3)));
  }

  @Test
  void markUsedWithoutTimeReadsTheClock() {
    LastUsedTracker<String> t = tracker();
    clock.advance(Duration.ofSeconds(5));
    t.markUsed("a");
    clock.advance(Duration.ofSeconds(7));
    t.flush();
    assertThat(memory.snapshot()).isEqualTo(Map.of("a", t0.plusSeconds(5)));
  }

  @Test
  void flushTimeModeWritesTheFlushTimeForEveryId() {
    LastUsedTracker<String> t = started(builder().timestampMode(TimestampMode.FLUSH_TIME));
    t.markUsed("a");
    t.markUsed("b", t0.plusSeconds(999));
    t.markUsed("b");
    clock.advance(Duration.ofSeconds(12));
    t.flush();
    Instant flushedAt = t0.plusSeconds(12);
    assertThat(memory.batches()).containsExactly(Map.of("a", flushedAt, "b", flushedAt));
    assertThat(t.stats().coalesced()).isEqualTo(1);
  }

  @Test
  void timerFlushesOnceEveryIntervalAndRearms() {
    LastUsedTracker<String> t = tracker();
    assertThat(clock.pendingDelays()).containsExactly(INTERVAL);
    t.markUsed("a", t0);

    clock.advance(INTERVAL.minusSeconds(1));
    assertThat(faulty.calls()).isZero();
    clock.advance(Duration.ofSeconds(1));
    assertThat(faulty.calls()).isEqualTo(1);
    assertThat(memory.snapshot()).isEqualTo(Map.of("a", t0));
    assertThat(clock.pendingDelays()).as("re-armed for a full interval").containsExactly(INTERVAL);

    clock.advance(INTERVAL);
    assertThat(faulty.calls()).as("nothing new: no call").isEqualTo(1);
    t.markUsed("b", t0);
    clock.advance(INTERVAL);
    assertThat(faulty.calls()).isEqualTo(2);
    assertThat(clock.pendingTasks()).isEqualTo(1);
  }

  @Test
  void timerSurvivesAFailingStore() {
    LastUsedTracker<String> t = tracker();
    faulty.failing(true);
    t.markUsed("a", t0);
    clock.advance(INTERVAL);
    clock.advance(INTERVAL);
    assertThat(t.stats().failedFlushes()).isEqualTo(2);
    assertThat(clock.pendingTasks()).isEqualTo(1);
    faulty.failing(false);
    clock.advance(INTERVAL);
    assertThat(memory.snapshot()).isEqualTo(Map.of("a", t0));
  }

  @Test
  void failedFlushMergesBackAndTheNextWritesEverythingOnce() {
    LastUsedTracker<String> t = tracker();
    t.markUsed("a", t0.plusSeconds(1));
    t.markUsed("b", t0.plusSeconds(1));
    faulty.failNext(1);

    FlushResult failed = t.flush();
    assertThat(failed.outcome()).isEqualTo(FlushResult.Outcome.FAILED);
    assertThat(failed.rows()).isEqualTo(2);
    assertThat(failed.failure()).isPresent();
    assertThat(t.stats().pending()).isEqualTo(2);

    t.markUsed("a", t0.plusSeconds(5));
    t.markUsed("c", t0);
    FlushResult ok = t.flush();

    assertThat(ok.outcome()).isEqualTo(FlushResult.Outcome.SUCCESS);
    assertThat(memory.batches())
        .containsExactly(Map.of("a", t0.plusSeconds(5), "b", t0.plusSeconds(1), "c", t0));
    ComponentStats s = t.stats();
    assertThat(s.accepted()).isEqualTo(4);
    assertThat(s.flushedRows()).isEqualTo(3);
    assertThat(s.coalesced()).isEqualTo(1);
    assertThat(s.failedFlushes()).isEqualTo(1);
    assertThat(s.flushes()).isEqualTo(1);
    assertThat(s.consecutiveFailures()).isZero();
  }

  @Test
  void failedBatchMergesIntoEntriesMarkedDuringTheFlushKeepingTheLatestTime() throws Exception {
    LastUsedTracker<String> t = tracker();
    t.markUsed("newer-later", t0.plusSeconds(1));
    t.markUsed("older-later", t0.plusSeconds(9));
    faulty.failing(true).block();
    CompletableFuture<FlushResult> flush = CompletableFuture.supplyAsync(t::flush);
    faulty.awaitBlocked(1, BOUND);

    t.markUsed("newer-later", t0.plusSeconds(5)); // newer than the in-flight one
    t.markUsed("older-later", t0.plusSeconds(2)); // older than the in-flight one
    t.markUsed("fresh", t0);
    faulty.release();
    assertThat(flush.get(5, TimeUnit.SECONDS).outcome()).isEqualTo(FlushResult.Outcome.FAILED);

    faulty.failing(false);
    t.flush();
    assertThat(memory.batches())
        .containsExactly(
            Map.of(
                "newer-later", t0.plusSeconds(5),
                "older-later", t0.plusSeconds(9),
                "fresh", t0));
    assertThat(t.stats().coalesced())
        .as("two in-flight entries folded into newer marks")
        .isEqualTo(2);
  }

  @Test
  void logsWarnOnFirstFailureAndErrorWithCountOnRepeatedOnes() {
    List<ILoggingEvent> events = captureLogs();
    LastUsedTracker<String> t = tracker();
    t.markUsed("a", t0);
    faulty.failNext(3);
    t.flush();
    t.flush();
    t.flush();
    t.flush();

    List<ILoggingEvent> failures =
        events.stream()
            .filter(e -> e.getLevel().isGreaterOrEqual(Level.WARN))
            .collect(Collectors.toList());
    assertThat(failures)
        .extracting(ILoggingEvent::getLevel)
        .containsExactly(Level.WARN, Level.ERROR, Level.ERROR);
    assertThat(failures).allSatisfy(e -> assertThat(e.getThrowableProxy()).isNotNull());
    assertThat(failures.get(0).getFormattedMessage())
        .isEqualTo("last-used: failed writing 1 entries; the data is kept and retried");
    assertThat(failures.get(2).getFormattedMessage())
        .isEqualTo(
            "last-used: failed writing 1 entries (3 consecutive failures); the data is kept and"
                + " retried");
    assertThat(events)
        .anySatisfy(
            e -> {
              assertThat(e.getLevel()).isEqualTo(Level.INFO);
              assertThat(e.getFormattedMessage()).contains("succeeded again after 3");
            });
    assertThat(memory.snapshot()).isEqualTo(Map.of("a", t0));
  }

  @Test
  void healthGoesDegradedThenFailingAndRecoversOnSuccess() {
    LastUsedTracker<String> t =
        started(
            builder()
                .flushInterval(Duration.ofHours(1))
                .healthPolicy(HealthPolicy.of(2, Duration.ofMinutes(5))));
    t.markUsed("a", t0);
    faulty.failing(true);
    assertThat(t.health()).isEqualTo(Health.HEALTHY);
    t.flush();
    assertThat(t.health()).as("one failure is not yet degraded").isEqualTo(Health.HEALTHY);
    t.flush();
    assertThat(t.health()).isEqualTo(Health.DEGRADED);
    assertThat(t.stats().consecutiveFailures()).isEqualTo(2);
    clock.advance(Duration.ofMinutes(5));
    assertThat(t.health()).isEqualTo(Health.FAILING);

    faulty.failing(false);
    t.flush();
    assertThat(t.health()).isEqualTo(Health.HEALTHY);
    assertThat(t.stats().consecutiveFailures()).isZero();
    assertThat(t.stats().lastSuccess()).contains(t0.plus(Duration.ofMinutes(5)));
    assertThat(memory.snapshot()).isEqualTo(Map.of("a", t0));
  }

  @Test
  void flushWithABlockedStoreTimesOutInTimeAndKeepsTheEntries() {
    LastUsedTracker<String> t = started(builder().flushTimeout(Duration.ofMillis(200)));
    t.markUsed("a", t0);
    faulty.block();

    FlushResult r = assertTimeoutPreemptively(BOUND, t::flush);

    assertThat(r.outcome()).isEqualTo(FlushResult.Outcome.TIMED_OUT);
    assertThat(r.rows()).isEqualTo(1);
    assertThat(r.duration()).isEqualTo(Duration.ofMillis(200));
    assertThat(t.stats().pending()).isEqualTo(1);
    assertThat(t.stats().failedFlushes()).isEqualTo(1);

    faulty.release();
    assertThat(t.flush().outcome()).isEqualTo(FlushResult.Outcome.SUCCESS);
    assertThat(memory.snapshot()).isEqualTo(Map.of("a", t0));
  }

  @Test
  void closeFlushesStopsTheTimerAndIsIdempotent() {
    LastUsedTracker<String> t = tracker();
    t.markUsed("a", t0);
    t.markUsed("b", t0.plusSeconds(1));

    t.close();

    assertThat(memory.batches()).containsExactly(Map.of("a", t0, "b", t0.plusSeconds(1)));
    assertThat(clock.pendingTasks()).as("timer cancelled").isZero();
    t.close();
    assertThat(memory.calls()).isEqualTo(1);
    assertThat(t.stats().droppedTotal()).isZero();
    assertThat(t.stats().pending()).isZero();
  }

  @Test
  void closeRetriesAFailedFinalFlushWithinItsShutdownTimeout() {
    LastUsedTracker<String> t = tracker();
    t.markUsed("a", t0);
    t.markUsed("b", t0.plusSeconds(1));
    faulty.failNext(2);

    t.close();

    assertThat(memory.snapshot()).isEqualTo(Map.of("a", t0, "b", t0.plusSeconds(1)));
    assertThat(faulty.faultsInjected()).isEqualTo(2);
    assertThat(t.stats().droppedTotal()).isZero();
    assertThat(t.stats().pending()).isZero();
  }

  @Test
  void closeGivesUpAFailingStoreOnlyWhenItsShutdownTimeoutEnds() {
    Duration budget = Duration.ofMillis(500);
    LastUsedTracker<String> t = started(builder().shutdownTimeout(budget));
    t.markUsed("a", t0);
    faulty.failing(true);
    Clock real = Clock.system();
    long start = real.nanoTime();

    t.close();

    assertThat(Duration.ofNanos(real.nanoTime() - start)).isGreaterThanOrEqualTo(budget);
    assertThat(faulty.faultsInjected()).isGreaterThan(2);
    assertThat(t.stats().dropped()).isEqualTo(Map.of(DropReasons.SHUTDOWN, 1L));
  }

  @Test
  void markUsedAfterCloseThrowsAndFlushDoesNothing() {
    LastUsedTracker<String> t = tracker();
    t.close();
    assertThatThrownBy(() -> t.markUsed("a"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("closed");
    assertThatThrownBy(() -> t.markUsed("a", t0)).isInstanceOf(IllegalStateException.class);
    assertThat(t.flush().outcome()).isEqualTo(FlushResult.Outcome.EMPTY);
    assertThat(faulty.calls()).isZero();
    assertThat(t.stats().accepted()).isZero();
  }

  @Test
  void markUsedThatRacesWithCloseIsDroppedCountedAndRejected() throws Exception {
    List<ILoggingEvent> events = captureLogs();
    CountDownLatch inClock = new CountDownLatch(1);
    CountDownLatch resume = new CountDownLatch(1);
    AtomicReference<LastUsedTracker<String>> racing = new AtomicReference<>();
    CompletableFuture<RuntimeException> outcome = new CompletableFuture<>();
    Thread writer =
        new Thread(
            () -> {
              try {
                racing.get().markUsed("late");
                outcome.complete(null);
              } catch (RuntimeException e) {
                outcome.complete(e);
              }
            },
            "racing-writer");
    // A clock that holds the writer between markUsed's closed check and its insert.
    Clock gate =
        new Clock() {
          @Override
          public Instant now() {
            if (Thread.currentThread() == writer) {
              inClock.countDown();
              awaitQuietly(resume);
            }
            return clock.now();
          }

          @Override
          public long nanoTime() {
            return clock.nanoTime();
          }

          @Override
          public Cancellable schedule(Duration delay, Runnable task) {
            return clock.schedule(delay, task);
          }
        };
    LastUsedTracker<String> t = started(builder().clock(gate));
    racing.set(t);
    writer.start();
    assertThat(inClock.await(5, TimeUnit.SECONDS)).isTrue();

    t.close(); // the writer passed the closed check; close() finds nothing to write
    resume.countDown();
    writer.join(5_000);

    assertThat(outcome.get(5, TimeUnit.SECONDS))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("closed");
    ComponentStats s = t.stats();
    assertThat(s.accepted()).isEqualTo(1);
    assertThat(s.pending()).isZero();
    assertThat(s.dropped()).isEqualTo(Map.of(DropReasons.SHUTDOWN, 1L));
    assertThat(faulty.calls()).isZero();
    assertThat(events)
        .filteredOn(e -> e.getLevel() == Level.ERROR)
        .extracting(ILoggingEvent::getFormattedMessage)
        .containsExactly(
            "last-used: dropped 1 last-used entries that could not be written before shutdown"
                + " (stats reason 'shutdown')");
  }

  private static void awaitQuietly(CountDownLatch latch) {
    try {
      if (!latch.await(5, TimeUnit.SECONDS)) {
        throw new IllegalStateException("not released in time");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  @Test
  void closeWithABlockedStoreReturnsInTimeAndReportsTheDrop() {
    List<ILoggingEvent> events = captureLogs();
    LastUsedTracker<String> t = started(builder().shutdownTimeout(Duration.ofMillis(300)));
    t.markUsed("a", t0);
    t.markUsed("b", t0);
    t.markUsed("c", t0);
    faulty.block();

    assertTimeoutPreemptively(BOUND, t::close);

    ComponentStats s = t.stats();
    assertThat(s.dropped()).isEqualTo(Map.of(DropReasons.SHUTDOWN, 3L));
    assertThat(s.pending()).isZero();
    assertThat(events)
        .anySatisfy(
            e -> {
              assertThat(e.getLevel()).isEqualTo(Level.ERROR);
              assertThat(e.getFormattedMessage()).contains("dropped 3 last-used entries");
            });
  }

  @Test
  void closeDuringAHungFlushReturnsInTimeAndCountsEverything() throws Exception {
    LastUsedTracker<String> t =
        started(
            builder().flushTimeout(Duration.ofSeconds(30)).shutdownTimeout(Duration.ofMillis(300)));
    t.markUsed("in-flight", t0);
    faulty.block();
    CompletableFuture<FlushResult> flush = CompletableFuture.supplyAsync(t::flush);
    faulty.awaitBlocked(1, BOUND);
    t.markUsed("pending", t0);

    assertTimeoutPreemptively(BOUND, t::close);

    // close() interrupted the hung store call; the flush gives up and its entry is dropped too
    assertThat(flush.get(5, TimeUnit.SECONDS).isSuccess()).isFalse();
    Await.until("both entries counted as dropped", () -> t.stats().droppedTotal() == 2);
    assertThat(t.stats().pending()).isZero();
  }

  @Test
  void listenersSeeEveryFlushAndAThrowingOneBreaksNothing() {
    List<FlushResult> seen = new CopyOnWriteArrayList<>();
    List<String> names = new CopyOnWriteArrayList<>();
    LastUsedTracker<String> t =
        started(
            builder()
                .name("workspaces")
                .flushListener(
                    (component, result) -> {
                      throw new AssertionError("listener bug"); // an Error, not an exception
                    })
                .flushListener(
                    (component, result) -> {
                      names.add(component);
                      seen.add(result);
                    }));
    assertThat(t.flush().outcome()).isEqualTo(FlushResult.Outcome.EMPTY);
    t.markUsed("a", t0);
    t.markUsed("b", t0);
    faulty.failNext(1);
    assertThat(t.flush().outcome()).isEqualTo(FlushResult.Outcome.FAILED);
    clock.advance(INTERVAL);
    assertThat(clock.pendingDelays()).containsExactly(INTERVAL); // the timer goes on
    assertThat(t.stats().callbackFailures()).isEqualTo(3);

    assertThat(seen)
        .extracting(FlushResult::outcome)
        .containsExactly(
            FlushResult.Outcome.EMPTY, FlushResult.Outcome.FAILED, FlushResult.Outcome.SUCCESS);
    assertThat(seen.get(2).rows()).isEqualTo(2);
    assertThat(names).containsOnly("workspaces");
    assertThat(memory.size()).isEqualTo(2);
  }

  @Test
  void storeRunsOnANamedDaemonIoThread() {
    List<Thread> threads = new CopyOnWriteArrayList<>();
    LastUsedTracker<String> t =
        LastUsedTracker.<String>builder(batch -> threads.add(Thread.currentThread()))
            .clock(clock)
            .name("workspaces")
            .build();
    try {
      t.markUsed("a", t0);
      t.flush();
      assertThat(threads).hasSize(1);
      assertThat(threads.get(0).getName()).isEqualTo("tally-workspaces-1");
      assertThat(threads.get(0).isDaemon()).isTrue();
    } finally {
      t.close();
    }
  }

  @Test
  void storeReceivesAnUnmodifiableMap() {
    List<Throwable> thrown = new CopyOnWriteArrayList<>();
    LastUsedTracker<String> t =
        LastUsedTracker.<String>builder(
                batch -> {
                  try {
                    batch.clear();
                  } catch (UnsupportedOperationException e) {
                    thrown.add(e);
                  }
                })
            .clock(clock)
            .build();
    try {
      t.markUsed("a", t0);
      assertThat(t.flush().outcome()).isEqualTo(FlushResult.Outcome.SUCCESS);
      assertThat(thrown).hasSize(1);
    } finally {
      t.close();
    }
  }

  @Test
  void aCommitWhoseOutcomeWasLostIsWrittenAgainHarmlessly() {
    LastUsedTracker<String> t = tracker();
    t.markUsed("a", t0.plusSeconds(10));
    faulty.commitThenThrowNext(1);
    assertThat(t.flush().outcome()).isEqualTo(FlushResult.Outcome.FAILED);
    assertThat(memory.snapshot())
        .as("the store did commit")
        .isEqualTo(Map.of("a", t0.plusSeconds(10)));

    t.markUsed("a", t0.plusSeconds(2)); // older: folds into the kept entry
    assertThat(t.flush().outcome()).isEqualTo(FlushResult.Outcome.SUCCESS);

    assertThat(memory.batches())
        .containsExactly(Map.of("a", t0.plusSeconds(10)), Map.of("a", t0.plusSeconds(10)));
    assertThat(t.stats().flushedRows()).isEqualTo(1);
    assertThat(t.stats().coalesced()).isEqualTo(1);
  }

  @Test
  void timerAndDurationsSurviveTheMonotonicClockOverflowing() {
    ManualClock nearOverflow =
        ManualClock.startingAt(
            ManualClock.DEFAULT_START, Long.MAX_VALUE - Duration.ofSeconds(5).toNanos());
    LastUsedTracker<String> t = started(builder().clock(nearOverflow));
    t.markUsed("a");
    nearOverflow.advance(INTERVAL); // monotonic reading wraps past Long.MAX_VALUE
    assertThat(memory.snapshot()).isEqualTo(Map.of("a", ManualClock.DEFAULT_START));
    t.markUsed("b");
    FlushResult r = t.flush();
    assertThat(r.outcome()).isEqualTo(FlushResult.Outcome.SUCCESS);
    assertThat(r.duration()).isEqualTo(Duration.ZERO);
    assertThat(nearOverflow.pendingDelays()).containsExactly(INTERVAL);
  }
}
