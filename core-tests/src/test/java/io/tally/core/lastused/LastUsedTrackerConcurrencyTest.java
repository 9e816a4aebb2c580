package io.tally.core.lastused;

import static org.assertj.core.api.Assertions.assertThat;

import io.tally.core.ComponentStats;
import io.tally.core.FlushResult;
import io.tally.testkit.Await;
import io.tally.testkit.ConservationCheck;
import io.tally.testkit.InMemoryLastUsedStore;
import io.tally.testkit.ManualClock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class LastUsedTrackerConcurrencyTest {
  private static final int WRITERS = 8;
  private static final int MARKS_PER_WRITER = 50_000;
  private static final int IDS = 2_000;
  private static final int CHUNKS = 10;

  @Test
  void eightWritersRacingFlushesLoseNothingAndEveryIdGetsItsMaximum() throws Exception {
    ManualClock clock = ManualClock.create();
    Instant base = clock.now();
    InMemoryLastUsedStore<Integer> memory = new InMemoryLastUsedStore<>();
    AtomicInteger calls = new AtomicInteger();
    AtomicInteger inStore = new AtomicInteger();
    AtomicBoolean overlapped = new AtomicBoolean();
    LastUsedStore<Integer> store =
        batch -> {
          if (inStore.incrementAndGet() > 1) {
            overlapped.set(true);
          }
          try {
            if (calls.incrementAndGet() % 3 == 0) {
              throw new IllegalStateException("every third flush fails");
            }
            memory.markUsed(batch);
          } finally {
            inStore.decrementAndGet();
          }
        };
    LastUsedTracker<Integer> tracker = LastUsedTracker.builder(store).clock(clock).build();

    ExecutorService pool = Executors.newFixedThreadPool(WRITERS + 2);
    List<Map<Integer, Instant>> maxima = new ArrayList<>();
    CountDownLatch go = new CountDownLatch(1);
    CountDownLatch writersDone = new CountDownLatch(WRITERS);
    try {
      List<Future<Map<Integer, Instant>>> writers = new ArrayList<>();
      for (int w = 0; w < WRITERS; w++) {
        long seed = w;
        writers.add(
            pool.submit(
                () -> {
                  Map<Integer, Instant> max = new HashMap<>();
                  SplittableRandom random = new SplittableRandom(seed);
                  go.await(10, TimeUnit.SECONDS);
                  try {
                    for (int i = 0; i < MARKS_PER_WRITER; i++) {
                      if (i % (MARKS_PER_WRITER / CHUNKS) == 0) {
                        // make flushes interleave with the writes: chunk c starts after c calls
                        int chunk = i / (MARKS_PER_WRITER / CHUNKS);
                        Await.until("store call " + chunk, () -> calls.get() >= chunk);
                      }
                      int id = random.nextInt(IDS);
                      Instant at = base.plusMillis(random.nextInt(1_000_000));
                      tracker.markUsed(id, at);
                      max.merge(id, at, (a, b) -> a.isAfter(b) ? a : b);
                    }
                  } finally {
                    writersDone.countDown();
                  }
                  return max;
                }));
      }
      List<Future<Integer>> flushers = new ArrayList<>();
      for (int f = 0; f < 2; f++) {
        flushers.add(
            pool.submit(
                () -> {
                  go.await(10, TimeUnit.SECONDS);
                  int flushes = 0;
                  while (writersDone.getCount() > 0) {
                    tracker.flush();
                    flushes++;
                  }
                  return flushes;
                }));
      }
      go.countDown();
      for (Future<Map<Integer, Instant>> w : writers) {
        maxima.add(w.get(30, TimeUnit.SECONDS));
      }
      int flushes = 0;
      for (Future<Integer> f : flushers) {
        flushes += f.get(30, TimeUnit.SECONDS);
      }
      // A bound, not an exact count: the flushers loop until the writers finish, so how often
      // they call flush() depends on scheduling. The gate guarantees the bound: chunk c of every
      // writer starts only after store call c began, and only the flushers call the store while
      // the writers run, so the last chunk (CHUNKS - 1) waited for CHUNKS - 1 flush() calls.
      assertThat(flushes).isGreaterThanOrEqualTo(CHUNKS - 1);
    } finally {
      pool.shutdownNow();
    }

    // drain what is left; a failing third call just leaves it for the next one
    FlushResult last;
    int attempts = 0;
    do {
      last = tracker.flush();
    } while (last.outcome() != FlushResult.Outcome.EMPTY && ++attempts < 10);
    assertThat(last.outcome()).isEqualTo(FlushResult.Outcome.EMPTY);

    Map<Integer, Instant> expected = new HashMap<>();
    for (Map<Integer, Instant> m : maxima) {
      m.forEach((id, at) -> expected.merge(id, at, (a, b) -> a.isAfter(b) ? a : b));
    }
    Map<Integer, Instant> stored = memory.snapshot();
    List<Integer> wrong = new ArrayList<>();
    expected.forEach(
        (id, at) -> {
          if (!at.equals(stored.get(id))) {
            wrong.add(id);
          }
        });
    assertThat(wrong).as("ids lost or stored with a time other than their maximum").isEmpty();
    assertThat(stored.keySet()).isEqualTo(expected.keySet());
    assertThat(overlapped).as("store calls overlapped").isFalse();
    // A bound, not an exact count (scheduling decides how many flushes ran): CHUNKS - 1 store
    // calls began before the last chunk was written (the gate), and that chunk's marks, made
    // after the call that released it had drained the map, needed at least one more.
    assertThat(calls.get()).as("flushes ran during the writes").isGreaterThanOrEqualTo(CHUNKS);

    ComponentStats s = tracker.stats();
    assertThat(s.accepted()).isEqualTo((long) WRITERS * MARKS_PER_WRITER);
    assertThat(s.pending()).isZero();
    assertThat(s.flushedRows()).isEqualTo(memory.rowsWritten());
    ConservationCheck.assertConserved(s);
    tracker.close();
    assertThat(tracker.stats().droppedTotal()).isZero();
  }

  @Test
  void everyStatsSnapshotTakenDuringFlushesBalances() throws Exception {
    ManualClock clock = ManualClock.create();
    Instant base = clock.now();
    InMemoryLastUsedStore<Integer> memory = new InMemoryLastUsedStore<>();
    AtomicInteger calls = new AtomicInteger();
    LastUsedStore<Integer> store =
        batch -> {
          if (calls.incrementAndGet() % 2 == 0) {
            throw new IllegalStateException("every second flush fails: its batch folds back");
          }
          memory.markUsed(batch);
        };
    LastUsedTracker<Integer> tracker = LastUsedTracker.builder(store).clock(clock).build();
    // odd while a flush runs and no markUsed does: only then must a snapshot balance exactly
    AtomicInteger phase = new AtomicInteger();
    AtomicBoolean done = new AtomicBoolean();
    List<ComponentStats> unbalanced = new ArrayList<>();
    AtomicInteger checked = new AtomicInteger();
    Thread reader =
        new Thread(
            () -> {
              while (!done.get()) {
                int before = phase.get();
                ComponentStats s = tracker.stats();
                if (before % 2 == 1 && phase.get() == before) {
                  checked.incrementAndGet();
                  long accounted = s.flushedRows() + s.coalesced() + s.pending() + s.droppedTotal();
                  if (s.accepted() != accounted && unbalanced.size() < 5) {
                    unbalanced.add(s);
                  }
                }
              }
            },
            "stats-reader");
    reader.start();
    try {
      for (int round = 0; round < 40; round++) {
        for (int id = 0; id < 5_000; id++) {
          tracker.markUsed(id, base.plusMillis(round));
        }
        phase.incrementAndGet();
        tracker.flush();
        phase.incrementAndGet();
      }
    } finally {
      done.set(true);
      reader.join(10_000);
    }
    assertThat(unbalanced).as("snapshots taken mid-flush that did not balance").isEmpty();
    assertThat(checked.get()).as("snapshots taken mid-flush").isPositive();
    tracker.close();
    ConservationCheck.assertConserved(tracker.stats());
  }
}
