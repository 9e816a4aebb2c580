package io.tally.core.lastused;

import static org.assertj.core.api.Assertions.assertThat;

import io.tally.core.FlushResult;
import io.tally.core.InputRules;
import io.tally.testkit.ConservationCheck;
import io.tally.testkit.FaultyStore;
import io.tally.testkit.InMemoryLastUsedStore;
import io.tally.testkit.ManualClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The latest time wins across the whole range the input rules allow, including times outside the
 * nanosecond range a pending entry holds as a primitive (before 1677 or after 2262).
 */
class LastUsedFarTimesTest {
  private static final List<Instant> TIMES =
      List.of(
          InputRules.MIN_TIME,
          Instant.parse("1500-06-01T00:00:00.000000001Z"),
          Instant.parse("1677-09-21T00:12:44Z"),
          Instant.parse("1969-12-31T23:59:59.999999999Z"),
          Instant.EPOCH,
          Instant.parse("2026-01-01T00:00:00.123456789Z"),
          Instant.parse("2262-04-11T23:47:16Z"),
          Instant.parse("3000-01-01T00:00:00.5Z"),
          InputRules.MAX_TIME.minusNanos(1),
          InputRules.MAX_TIME);

  @Test
  void encodingRoundTripsEveryInRangeTimeAndOrdersFarTimesOutside() {
    long previous = Long.MIN_VALUE;
    for (Instant t : TIMES) {
      long encoded = Stamp.encode(t);
      assertThat(encoded).as("order of %s", t).isGreaterThanOrEqualTo(previous);
      previous = encoded;
      if (encoded != Stamp.FAR_PAST && encoded != Stamp.FAR_FUTURE) {
        assertThat(Stamp.decode(encoded)).isEqualTo(t);
      }
      assertThat(Stamp.of(t).seal()).isEqualTo(t);
    }
    assertThat(Stamp.encode(InputRules.MIN_TIME)).isEqualTo(Stamp.FAR_PAST);
    assertThat(Stamp.encode(InputRules.MAX_TIME)).isEqualTo(Stamp.FAR_FUTURE);
  }

  @Test
  void everyOrderOfMarksKeepsTheLatestTimeAndRefoldsAfterAFailedFlush() {
    ManualClock clock = ManualClock.create();
    InMemoryLastUsedStore<String> memory = new InMemoryLastUsedStore<>();
    FaultyStore<LastUsedStore<String>> faulty = FaultyStore.wrap(memory);
    LastUsedTracker<String> tracker =
        LastUsedTracker.builder(faulty.store())
            .clock(clock)
            .flushInterval(Duration.ofMinutes(1))
            .flushTimeout(Duration.ofSeconds(60))
            .build();
    try {
      Random random = new Random(12);
      List<String> ids = new ArrayList<>();
      List<Instant> expected = new ArrayList<>();
      List<List<Instant>> idsAfterFailure = new ArrayList<>();
      for (int i = 0; i < 200; i++) {
        List<Instant> times = new ArrayList<>(TIMES.subList(0, 1 + random.nextInt(TIMES.size())));
        Instant max = Collections.max(times);
        Collections.shuffle(times, random);
        String id = "id-" + i;
        // half the times before a failed flush (folded back), half after it
        int half = times.size() / 2;
        for (Instant t : times.subList(0, half)) {
          tracker.markUsed(id, t);
        }
        ids.add(id);
        expected.add(max);
        times.subList(0, half).clear();
        idsAfterFailure.add(times);
      }
      faulty.failNext(1);
      assertThat(tracker.flush().outcome()).isEqualTo(FlushResult.Outcome.FAILED);
      for (int i = 0; i < ids.size(); i++) {
        for (Instant t : idsAfterFailure.get(i)) {
          tracker.markUsed(ids.get(i), t);
        }
      }
      assertThat(tracker.flush().outcome()).isEqualTo(FlushResult.Outcome.SUCCESS);
      for (int i = 0; i < ids.size(); i++) {
        assertThat(memory.lastUsed(ids.get(i))).as(ids.get(i)).contains(expected.get(i));
      }
    } finally {
      tracker.close();
      ConservationCheck.assertConserved(tracker.stats());
    }
  }

  @Test
  void writersMixingFarAndNearTimesRacingFlushesKeepEveryIdsMaximum() throws Exception {
    ManualClock clock = ManualClock.create();
    InMemoryLastUsedStore<Integer> memory = new InMemoryLastUsedStore<>();
    AtomicInteger calls = new AtomicInteger();
    LastUsedStore<Integer> store =
        batch -> {
          if (calls.incrementAndGet() % 3 == 0) {
            throw new IllegalStateException("every third flush fails");
          }
          memory.markUsed(batch);
        };
    LastUsedTracker<Integer> tracker = LastUsedTracker.builder(store).clock(clock).build();
    int writers = 4;
    ExecutorService pool = Executors.newFixedThreadPool(writers + 1);
    CountDownLatch done = new CountDownLatch(writers);
    try {
      List<Future<Map<Integer, Instant>>> results = new ArrayList<>();
      for (int w = 0; w < writers; w++) {
        long seed = w;
        results.add(
            pool.submit(
                () -> {
                  Map<Integer, Instant> max = new HashMap<>();
                  SplittableRandom random = new SplittableRandom(seed);
                  try {
                    for (int i = 0; i < 20_000; i++) {
                      int id = random.nextInt(200);
                      Instant at =
                          TIMES.get(random.nextInt(TIMES.size())).plusNanos(random.nextInt(1000));
                      if (at.isAfter(InputRules.MAX_TIME)) {
                        at = InputRules.MAX_TIME;
                      }
                      tracker.markUsed(id, at);
                      max.merge(id, at, (a, b) -> a.isAfter(b) ? a : b);
                    }
                  } finally {
                    done.countDown();
                  }
                  return max;
                }));
      }
      Future<?> flusher =
          pool.submit(
              () -> {
                while (done.getCount() > 0) {
                  tracker.flush();
                }
              });
      Map<Integer, Instant> expected = new HashMap<>();
      for (Future<Map<Integer, Instant>> r : results) {
        r.get(60, TimeUnit.SECONDS)
            .forEach((id, at) -> expected.merge(id, at, (a, b) -> a.isAfter(b) ? a : b));
      }
      flusher.get(60, TimeUnit.SECONDS);
      FlushResult last;
      int attempts = 0;
      do {
        last = tracker.flush();
      } while (last.outcome() != FlushResult.Outcome.EMPTY && ++attempts < 10);
      assertThat(last.outcome()).isEqualTo(FlushResult.Outcome.EMPTY);
      assertThat(memory.snapshot()).isEqualTo(expected);
    } finally {
      pool.shutdownNow();
      tracker.close();
      ConservationCheck.assertConserved(tracker.stats());
    }
  }
}
