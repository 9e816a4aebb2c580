package io.tally.core.batch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tally.core.Clock;
import io.tally.core.ComponentStats;
import io.tally.core.DropReasons;
import io.tally.core.FlushResult;
import io.tally.core.Health;
import io.tally.core.HealthPolicy;
import io.tally.testkit.Await;
import io.tally.testkit.ConservationCheck;
import io.tally.testkit.FaultyStore;
import io.tally.testkit.ManualClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class BatcherTest {
  @RegisterExtension final ConservationCheck conservation = ConservationCheck.create();
  @RegisterExtension final BatcherLogs logs = new BatcherLogs();

  private final ManualClock clock = ManualClock.create();
  private final RecordingStore<Item> store = new RecordingStore<>();
  private final FaultyStore<BatchStore<Item>> faulty = FaultyStore.wrap(store);
  private final List<Batcher<Item>> open = new ArrayList<>();

  @AfterEach
  void closeAll() {
    faulty.reset();
    open.forEach(Batcher::close);
  }

  private Batcher<Item> batcher(UnaryOperator<Batcher.Builder<Item>> options) {
    Batcher<Item> b =
        options.apply(Batcher.builder(faulty.store()).clock(clock).name("test-batcher")).build();
    open.add(b);
    return conservation.watch(b);
  }

  private static void awaitIdle(Batcher<?> b) {
    Await.until("the batcher's worker is idle", () -> Idle.isIdle(b));
  }

  private static List<Item> items(int from, int to) {
    List<Item> out = new ArrayList<>();
    for (int i = from; i < to; i++) {
      out.add(Item.keyless(i));
    }
    return out;
  }

  @Test
  void flushesWhenTheBatchReachesMaxBatchSize() {
    Batcher<Item> b = batcher(o -> o.maxBatchSize(3));
    items(0, 4).forEach(b::write);
    Await.until("one batch", () -> store.batchCount() == 1);
    awaitIdle(b);
    assertThat(store.batches()).containsExactly(items(0, 3));
    ComponentStats s = b.stats();
    assertThat(s.accepted()).isEqualTo(4);
    assertThat(s.flushedRows()).isEqualTo(3);
    assertThat(s.flushes()).isEqualTo(1);
    assertThat(s.pending()).isEqualTo(1);
  }

  @Test
  void flushesWhenTheTimerFires() {
    Batcher<Item> b = batcher(o -> o);
    items(0, 2).forEach(b::write);
    awaitIdle(b);
    clock.advance(Duration.ofMillis(4_999));
    awaitIdle(b);
    assertThat(store.batchCount()).isZero();
    clock.advance(Duration.ofMillis(1));
    Await.until("the timer flush", () -> store.batchCount() == 1);
    assertThat(store.batches()).containsExactly(items(0, 2));
  }

  @Test
  void timerIsReArmedAfterEveryFlush() {
    Batcher<Item> b = batcher(o -> o.maxBatchSize(2));
    b.write(Item.keyless(0));
    clock.advance(Duration.ofSeconds(5));
    Await.until("first flush", () -> store.batchCount() == 1);
    awaitIdle(b);
    assertThat(clock.pendingDelays()).containsExactly(Duration.ofSeconds(5));

    clock.advance(Duration.ofSeconds(3));
    items(1, 3).forEach(b::write); // a size flush at t=8s re-arms the timer for t=13s
    Await.until("size flush", () -> store.batchCount() == 2);
    awaitIdle(b);
    assertThat(clock.pendingDelays()).containsExactly(Duration.ofSeconds(5));

    b.write(Item.keyless(3));
    clock.advance(Duration.ofSeconds(4));
    awaitIdle(b);
    assertThat(store.batchCount()).isEqualTo(2);
    clock.advance(Duration.ofSeconds(1));
    Await.until("third flush", () -> store.batchCount() == 3);
    assertThat(store.batches().get(2)).containsExactly(Item.keyless(3));
  }

  @Test
  void aSizeFlushPostponesTheTimerAlsoWhenTheOldTimerFiresWhileTheWorkerIsBusy() {
    Batcher<Item> b = batcher(o -> o.maxBatchSize(2));
    clock.advance(Duration.ofSeconds(3));
    faulty.block();
    items(0, 2).forEach(b::write); // a size flush at t=3s: the timer flush is now due at t=8s
    faulty.awaitBlocked(1, Duration.ofSeconds(5));
    clock.advance(Duration.ofSeconds(2)); // t=5s: the task armed at t=0 fires during the flush
    b.write(Item.keyless(2));
    faulty.release();
    Await.until("size flush", () -> store.batchCount() == 1);
    awaitIdle(b);
    assertThat(store.batchCount()).isEqualTo(1); // no timer flush at t=5s
    assertThat(clock.pendingDelays()).containsExactly(Duration.ofSeconds(3));

    clock.advance(Duration.ofMillis(2_999));
    awaitIdle(b);
    assertThat(store.batchCount()).isEqualTo(1);
    clock.advance(Duration.ofMillis(1)); // t=8s
    Await.until("timer flush", () -> store.batchCount() == 2);
    assertThat(store.batches().get(1)).containsExactly(Item.keyless(2));
  }

  @Test
  void closeFlushesEverythingWithoutAdvancingTheClock() {
    Batcher<Item> b = batcher(o -> o.maxBatchSize(1000));
    items(0, 5).forEach(b::write);
    b.close();
    assertThat(store.items()).isEqualTo(items(0, 5));
    ComponentStats s = b.stats();
    assertThat(s.flushedRows()).isEqualTo(5);
    assertThat(s.pending()).isZero();
    assertThat(s.droppedTotal()).isZero();
    assertThat(clock.pendingTasks()).isZero();
  }

  @ParameterizedTest(name = "parallelism {0}")
  @ValueSource(ints = {1, 4})
  void coalescesItemsWithTheSameKeyAsTheyArrive(int parallelism) {
    Batcher<Item> b = batcher(o -> o.coalescing(Item.laterWins()).parallelism(parallelism));
    b.write(new Item("a", 1));
    b.write(new Item("b", 1));
    b.write(new Item("a", 2));
    b.write(Item.keyless(7));
    b.write(Item.keyless(7));
    assertThat(b.flush().rows()).isEqualTo(4);
    assertThat(store.items())
        .containsExactlyInAnyOrder(
            new Item("a", 2), new Item("b", 1), Item.keyless(7), Item.keyless(7));
    assertThat(b.stats().coalesced()).isEqualTo(1);
  }

  @Test
  void flushForcesAFlushAndReportsIt() {
    Batcher<Item> b = batcher(o -> o);
    assertThat(b.flush().outcome()).isEqualTo(FlushResult.Outcome.EMPTY);
    items(0, 3).forEach(b::write);
    FlushResult r = b.flush();
    assertThat(r.outcome()).isEqualTo(FlushResult.Outcome.SUCCESS);
    assertThat(r.rows()).isEqualTo(3);
    assertThat(store.items()).isEqualTo(items(0, 3));
  }

  @Test
  void transientFailureIsRetriedAfterTheBackoff() {
    List<FlushResult> seen = new CopyOnWriteArrayList<>();
    Batcher<Item> b =
        batcher(
            o ->
                o.retryMode(RetryMode.RETRY_QUEUE)
                    .retryPolicy(
                        RetryPolicy.exponential(Duration.ofSeconds(1), Duration.ofSeconds(10), 2, 3)
                            .withJitter(0))
                    .flushListener((name, r) -> seen.add(r)));
    faulty.failNext(1);
    items(0, 2).forEach(b::write);
    clock.advance(Duration.ofSeconds(5));
    Await.until("the failed flush", () -> b.stats().failedFlushes() == 1);
    awaitIdle(b);
    assertThat(store.batchCount()).isZero();
    assertThat(clock.pendingDelays()).containsExactly(Duration.ofSeconds(1), Duration.ofSeconds(5));

    clock.advance(Duration.ofMillis(999));
    awaitIdle(b);
    assertThat(store.batchCount()).isZero();
    clock.advance(Duration.ofMillis(1));
    Await.until("the retry", () -> store.batchCount() == 1);
    awaitIdle(b);
    assertThat(store.items()).isEqualTo(items(0, 2));
    ComponentStats s = b.stats();
    assertThat(s.retries()).isEqualTo(1);
    assertThat(s.flushedRows()).isEqualTo(2);
    assertThat(s.droppedTotal()).isZero();
    assertThat(s.consecutiveFailures()).isZero();
    assertThat(seen)
        .extracting(FlushResult::outcome)
        .containsExactly(FlushResult.Outcome.FAILED, FlushResult.Outcome.SUCCESS);
  }

  @Test
  void backoffGrowsExponentially() {
    Batcher<Item> b =
        batcher(
            o ->
                o.retryMode(RetryMode.RETRY_QUEUE)
                    .flushInterval(Duration.ofHours(1))
                    .retryPolicy(
                        RetryPolicy.exponential(Duration.ofSeconds(1), Duration.ofSeconds(3), 2, 5)
                            .withJitter(0)));
    faulty.failing(true);
    b.write(Item.keyless(1));
    b.flush();
    List<Duration> delays = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      awaitIdle(b);
      Duration next = clock.pendingDelays().get(0);
      delays.add(next);
      clock.advance(next);
    }
    assertThat(delays)
        .containsExactly(
            Duration.ofSeconds(1),
            Duration.ofSeconds(2),
            Duration.ofSeconds(3),
            Duration.ofSeconds(3));
    faulty.failing(false);
  }

  @Test
  void retriesExhaustedAreCountedAndLogged() {
    Batcher<Item> b =
        batcher(
            o ->
                o.retryMode(RetryMode.RETRY_QUEUE)
                    .retryPolicy(
                        RetryPolicy.exponential(Duration.ofSeconds(1), Duration.ofSeconds(1), 1, 2)
                            .withJitter(0)));
    faulty.failing(true);
    items(0, 3).forEach(b::write);
    clock.advance(Duration.ofSeconds(5));
    Await.until("first failure", () -> b.stats().failedFlushes() == 1);
    awaitIdle(b);
    clock.advance(Duration.ofSeconds(1));
    Await.until("second failure", () -> b.stats().failedFlushes() == 2);
    awaitIdle(b);
    clock.advance(Duration.ofSeconds(1));
    Await.until("third failure", () -> b.stats().failedFlushes() == 3);
    awaitIdle(b);
    ComponentStats s = b.stats();
    assertThat(s.dropped()).isEqualTo(Map.of(DropReasons.RETRIES_EXHAUSTED, 3L));
    assertThat(s.retries()).isEqualTo(2);
    assertThat(s.pending()).isZero();
    assertThat(logs.errors())
        .anyMatch(m -> m.contains("dropped 3 item(s), reason retries_exhausted"));
    faulty.failing(false);
  }

  @Test
  void failedBatchFindingTheRetryQueueFullIsDropped() {
    Batcher<Item> b =
        batcher(
            o ->
                o.retryMode(RetryMode.RETRY_QUEUE)
                    .maxBatchSize(2)
                    .retryQueueCapacity(1)
                    .retryPolicy(
                        RetryPolicy.exponential(
                            Duration.ofMinutes(1), Duration.ofMinutes(1), 1, 3)));
    faulty.failing(true);
    items(0, 4).forEach(b::write);
    Await.until("two failures", () -> b.stats().failedFlushes() == 2);
    awaitIdle(b);
    assertThat(b.stats().dropped()).isEqualTo(Map.of(DropReasons.RETRY_QUEUE_FULL, 2L));
    assertThat(logs.errors()).anyMatch(m -> m.contains("reason retry_queue_full"));
    faulty.failing(false);
  }

  @Test
  void retryPolicyNoneDropsAFailedBatchAtOnce() {
    Batcher<Item> b = batcher(o -> o.retryPolicy(RetryPolicy.none()));
    faulty.failNext(1);
    items(0, 2).forEach(b::write);
    assertThat(b.flush().outcome()).isEqualTo(FlushResult.Outcome.FAILED);
    assertThat(b.stats().dropped()).isEqualTo(Map.of(DropReasons.RETRIES_EXHAUSTED, 2L));
  }

  @Test
  void closeGivesQueuedRetriesOneLastAttempt() {
    Batcher<Item> b =
        batcher(
            o ->
                o.retryMode(RetryMode.RETRY_QUEUE)
                    .retryPolicy(
                        RetryPolicy.exponential(
                            Duration.ofMinutes(1), Duration.ofMinutes(1), 1, 3)));
    faulty.failNext(1);
    items(0, 2).forEach(b::write);
    assertThat(b.flush().isSuccess()).isFalse();
    b.write(Item.keyless(2));
    b.close();
    assertThat(store.items()).containsExactlyElementsOf(items(0, 3));
    ComponentStats s = b.stats();
    assertThat(s.flushedRows()).isEqualTo(3);
    assertThat(s.droppedTotal()).isZero();
    assertThat(s.pending()).isZero();
  }

  @Test
  void whatTheLastAttemptCannotWriteIsReportedAsClosed() {
    Batcher<Item> b =
        batcher(
            o ->
                o.retryMode(RetryMode.RETRY_QUEUE)
                    .retryPolicy(
                        RetryPolicy.exponential(Duration.ofMinutes(1), Duration.ofMinutes(1), 1, 3))
                    .shutdownTimeout(Duration.ofMillis(500)));
    faulty.failing(true);
    items(0, 2).forEach(b::write);
    b.flush();
    b.write(Item.keyless(2));
    long callsBeforeClose = faulty.calls();
    b.close();
    ComponentStats s = b.stats();
    assertThat(s.dropped()).isEqualTo(Map.of(DropReasons.SHUTDOWN, 3L));
    assertThat(s.pending()).isZero();
    assertThat(faulty.calls() - callsBeforeClose)
        .as("close tried again while its budget lasted")
        .isGreaterThan(2);
    assertThat(logs.errors()).anyMatch(m -> m.contains("reason shutdown"));
  }

  @Test
  void closeTriesAFailedLastAttemptAgainWithinItsShutdownTimeout() {
    // A last attempt that fails for want of a healthy database (say a pooled connection that
    // went silent and timed out) must not give up what the rest of the budget could write.
    Batcher<Item> b = batcher(o -> o.shutdownTimeout(Duration.ofSeconds(30)));
    items(0, 5).forEach(b::write);
    faulty.failNext(2);
    b.close();
    ComponentStats s = b.stats();
    assertThat(s.dropped()).isEmpty();
    assertThat(s.pending()).isZero();
    assertThat(store.items()).containsExactlyInAnyOrderElementsOf(items(0, 5));
  }

  @Test
  void offerTakesItemsLikeWriteValidatesItsBudgetAndThrowsAfterClose() {
    Batcher<Item> b = batcher(o -> o);
    assertThat(b.offer(Item.keyless(1), Duration.ZERO)).isTrue();
    assertThatThrownBy(() -> b.offer(Item.keyless(2), Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxWait was PT-1S but must not be negative");
    assertThatThrownBy(() -> b.offer(null, Duration.ZERO)).isInstanceOf(NullPointerException.class);
    b.close();
    assertThatThrownBy(() -> b.offer(Item.keyless(3), Duration.ZERO))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("closed");
    assertThat(store.items()).containsExactly(Item.keyless(1));
    assertThat(b.stats().accepted()).isEqualTo(1);
  }

  @Test
  void writeAfterCloseThrowsAtOnce() {
    Batcher<Item> b = batcher(o -> o);
    b.close();
    b.close(); // idempotent
    assertThatThrownBy(() -> b.write(Item.keyless(1)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("closed");
    assertThat(b.stats().accepted()).isZero();
    assertThat(b.flush().outcome()).isEqualTo(FlushResult.Outcome.EMPTY);
  }

  @ParameterizedTest(name = "parallelism {0}")
  @ValueSource(ints = {1, 4})
  void everyWriteThatReturnsNormallyIsWrittenEvenWhenItRacesWithClose(int parallelism)
      throws Exception {
    int writers = 4;
    for (int round = 0; round < 10; round++) {
      RecordingStore<Item> recording = new RecordingStore<>();
      Batcher<Item> b =
          Batcher.builder(recording)
              .clock(clock)
              .name("race")
              .maxBatchSize(64)
              .parallelism(parallelism)
              .build();
      CountDownLatch started = new CountDownLatch(writers);
      List<CompletableFuture<List<Item>>> done = new ArrayList<>();
      for (int w = 0; w < writers; w++) {
        int base = w * 1_000_000;
        done.add(
            CompletableFuture.supplyAsync(
                () -> {
                  List<Item> returned = new ArrayList<>();
                  started.countDown();
                  for (int i = 0; ; i++) {
                    Item item = Item.keyless(base + i);
                    try {
                      b.write(item);
                    } catch (IllegalStateException closed) {
                      return returned;
                    }
                    returned.add(item);
                  }
                }));
      }
      assertThat(started.await(5, TimeUnit.SECONDS)).isTrue();
      b.close();
      List<Item> returned = new ArrayList<>();
      for (CompletableFuture<List<Item>> f : done) {
        returned.addAll(f.get(10, TimeUnit.SECONDS));
      }
      assertThat(recording.items())
          .as("round %d", round)
          .containsExactlyInAnyOrderElementsOf(returned);
      ComponentStats s = b.stats();
      assertThat(s.accepted()).as("round %d", round).isEqualTo(returned.size());
      assertThat(s.flushedRows()).isEqualTo(returned.size());
      assertThat(s.dropped()).isEmpty();
      assertThat(s.pending()).isZero();
    }
  }

  @ParameterizedTest(name = "parallelism {0}")
  @ValueSource(ints = {1, 4})
  void everyStatsSnapshotBalancesWhileWritesAndFlushesRun(int parallelism) throws Exception {
    AtomicInteger calls = new AtomicInteger();
    RecordingStore<Item> recording = new RecordingStore<>();
    BatchStore<Item> flaky =
        batch -> {
          if (calls.incrementAndGet() % 3 == 0) {
            throw new IllegalStateException("every third call fails: its batch merges back");
          }
          recording.upsertBatch(batch);
        };
    Batcher<Item> b =
        conservation.watch(
            Batcher.builder(flaky)
                .clock(clock)
                .name("snapshots")
                .parallelism(parallelism)
                .maxBatchSize(100)
                .coalescing(Item.laterWins())
                .retryPolicy(
                    RetryPolicy.exponential(Duration.ofMinutes(1), Duration.ofMinutes(1), 1, 1_000))
                .build());
    open.add(b);
    int writers = 3;
    int perWriter = 20_000;
    CountDownLatch writing = new CountDownLatch(writers);
    List<CompletableFuture<Void>> done = new ArrayList<>();
    for (int w = 0; w < writers; w++) {
      int offset = w;
      done.add(
          CompletableFuture.runAsync(
              () -> {
                try {
                  for (int i = 0; i < perWriter; i++) {
                    b.write(i % 7 == 0 ? Item.keyless(i) : new Item("k" + (i % 500), offset));
                  }
                } finally {
                  writing.countDown();
                }
              }));
    }
    CompletableFuture<Void> flusher =
        CompletableFuture.runAsync(
            () -> {
              while (writing.getCount() > 0) {
                b.flush(); // forces flushes, also during the merge-back backoff
              }
            });
    int snapshots = 0;
    while (writing.getCount() > 0 || snapshots < 1_000) {
      ConservationCheck.assertConserved(b.stats()); // every snapshot, taken mid-flight
      snapshots++;
    }
    for (CompletableFuture<Void> f : done) {
      f.get(30, TimeUnit.SECONDS);
    }
    flusher.get(30, TimeUnit.SECONDS);
    assertThat(b.stats().accepted()).isEqualTo((long) writers * perWriter);
  }

  @Test
  void fullQueueBlocksTheWriterThenTimesOut() {
    Batcher<Item> b =
        batcher(
            o ->
                o.maxBatchSize(1)
                    .maxPendingItems(1) // the item being written uses the whole bound
                    .queueCapacity(2)
                    .writeTimeout(Duration.ofMillis(200)));
    faulty.block();
    b.write(Item.keyless(0));
    faulty.awaitBlocked(1, Duration.ofSeconds(5)); // the worker is stuck writing item 0
    b.write(Item.keyless(1));
    b.write(Item.keyless(2)); // the queue is full now
    Clock real = Clock.system();
    long start = real.nanoTime();
    assertThatThrownBy(() -> b.write(Item.keyless(3)))
        .isInstanceOf(RejectedExecutionException.class)
        .hasMessageContaining("queue stayed full");
    assertThat(Duration.ofNanos(real.nanoTime() - start))
        .isGreaterThanOrEqualTo(Duration.ofMillis(200));
    assertThat(b.stats().dropped()).isEqualTo(Map.of(DropReasons.QUEUE_FULL, 1L));
    assertThat(logs.errors()).anyMatch(m -> m.contains("reason queue_full"));
    faulty.release();
    b.close();
    assertThat(store.items()).containsExactlyElementsOf(items(0, 3));
    assertThat(b.stats().flushedRows()).isEqualTo(3);
  }

  @Test
  void storeBlockedForeverCannotMakeCloseExceedItsTimeout() {
    Batcher<Item> b = batcher(o -> o.shutdownTimeout(Duration.ofMillis(500)));
    faulty.block();
    items(0, 2).forEach(b::write);
    Clock real = Clock.system();
    long start = real.nanoTime();
    b.close();
    Duration took = Duration.ofNanos(real.nanoTime() - start);
    assertThat(took).isLessThan(Duration.ofSeconds(10)); // bounded, while the store never returns
    ComponentStats s = b.stats();
    assertThat(s.dropped()).isEqualTo(Map.of(DropReasons.SHUTDOWN, 2L));
    assertThat(s.pending()).isZero();
  }

  @Test
  void closeDuringAStuckFlushStillReturnsInTime() {
    Batcher<Item> b = batcher(o -> o.shutdownTimeout(Duration.ofMillis(500)));
    faulty.block();
    items(0, 2).forEach(b::write);
    clock.advance(Duration.ofSeconds(5));
    faulty.awaitBlocked(1, Duration.ofSeconds(5));
    b.write(Item.keyless(2));
    Clock real = Clock.system();
    long start = real.nanoTime();
    b.close();
    assertThat(Duration.ofNanos(real.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
    ComponentStats s = b.stats();
    assertThat(s.dropped()).isEqualTo(Map.of(DropReasons.SHUTDOWN, 3L));
    assertThat(s.pending()).isZero();
  }

  @Test
  void storeCallsNeverOverlapEvenWhenOneIgnoresItsTimeout() throws Exception {
    AtomicInteger inside = new AtomicInteger();
    AtomicInteger maxInside = new AtomicInteger();
    AtomicInteger started = new AtomicInteger();
    CountDownLatch release = new CountDownLatch(1);
    List<List<Item>> written = new CopyOnWriteArrayList<>();
    BatchStore<Item> stubborn =
        batch -> {
          maxInside.accumulateAndGet(inside.incrementAndGet(), Math::max);
          try {
            if (started.incrementAndGet() == 1) {
              awaitIgnoringInterrupts(release); // like a JDBC socket read
            }
            written.add(List.copyOf(batch));
          } finally {
            inside.decrementAndGet();
          }
        };
    Batcher<Item> b =
        conservation.watch(
            Batcher.builder(stubborn)
                .clock(clock)
                .name("stubborn")
                .retryMode(RetryMode.RETRY_QUEUE)
                .retryPolicy(
                    RetryPolicy.exponential(Duration.ofMinutes(1), Duration.ofMinutes(1), 1, 3))
                .flushTimeout(Duration.ofMillis(200))
                .build());
    open.add(b);

    b.write(Item.keyless(1));
    assertThat(b.flush().outcome()).isEqualTo(FlushResult.Outcome.TIMED_OUT); // still running
    b.write(Item.keyless(2));
    assertThat(b.flush().outcome()).isEqualTo(FlushResult.Outcome.TIMED_OUT); // queued, cancelled
    assertThat(started.get()).isEqualTo(1);

    release.countDown();
    Await.until("the stubborn call returned", () -> inside.get() == 0 && written.size() == 1);
    ComponentStats before = b.stats();
    assertThat(before.pending()).isEqualTo(2); // both kept for retry
    assertThat(before.failedFlushes()).isEqualTo(2);
    b.close(); // the last attempts write both retry batches

    assertThat(maxInside.get()).isEqualTo(1);
    // the cancelled call never ran: the store saw item 1 (late), then the two retries
    assertThat(written)
        .containsExactly(
            List.of(Item.keyless(1)), List.of(Item.keyless(1)), List.of(Item.keyless(2)));
    ComponentStats s = b.stats();
    assertThat(s.flushedRows()).isEqualTo(2);
    assertThat(s.droppedTotal()).isZero();
    assertThat(s.pending()).isZero();
  }

  private static void awaitIgnoringInterrupts(CountDownLatch latch) {
    boolean interrupted = false;
    try {
      while (true) {
        try {
          if (latch.await(10, TimeUnit.SECONDS)) {
            return;
          }
          throw new IllegalStateException("never released");
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  @Test
  void mergeBackLetsNewerDataWin() {
    Batcher<Item> b =
        batcher(
            o ->
                o.coalescing(Item.laterWins())
                    .retryPolicy(
                        RetryPolicy.exponential(Duration.ofSeconds(1), Duration.ofSeconds(1), 1, 3)
                            .withJitter(0)));
    faulty.failNext(1);
    b.write(new Item("k", 1));
    b.write(Item.keyless(9));
    clock.advance(Duration.ofSeconds(5));
    Await.until("failed flush", () -> b.stats().failedFlushes() == 1);
    b.write(new Item("k", 2));
    awaitIdle(b);
    clock.advance(Duration.ofSeconds(1));
    Await.until("the retry", () -> store.batchCount() == 1);
    awaitIdle(b);
    assertThat(store.items()).containsExactlyInAnyOrder(new Item("k", 2), Item.keyless(9));
    ComponentStats s = b.stats();
    assertThat(s.coalesced()).isEqualTo(1);
    assertThat(s.flushedRows()).isEqualTo(2);
    assertThat(s.retries()).isEqualTo(1);
  }

  @Test
  void mergeBackBoundsKeylessItemsAndBlocksIntakePastTheBound() {
    Batcher<Item> b =
        batcher(
            o ->
                o.coalescing(Item.laterWins())
                    .maxBatchSize(4)
                    .maxPendingItems(8)
                    .queueCapacity(4)
                    .writeTimeout(Duration.ofMillis(300))
                    .retryPolicy(
                        RetryPolicy.exponential(
                            Duration.ofMinutes(1), Duration.ofMinutes(1), 1, 100)));
    faulty.failing(true);
    int accepted = 0;
    int rejected = 0;
    for (int i = 0; i < 14; i++) {
      try {
        b.write(Item.keyless(i));
        accepted++;
      } catch (RejectedExecutionException e) {
        rejected++;
      }
    }
    awaitIdle(b);
    // 8 keyless items held by the worker (the bound) + 4 in the full queue
    assertThat(accepted).isEqualTo(12);
    assertThat(rejected).isEqualTo(2);
    ComponentStats s = b.stats();
    assertThat(s.pending()).isEqualTo(12);
    assertThat(s.dropped()).isEqualTo(Map.of(DropReasons.QUEUE_FULL, 2L));
    assertThat(s.failedFlushes()).isEqualTo(1); // backing off: no flush hammers the store

    faulty.failing(false);
    assertThat(b.flush().rows()).isEqualTo(12);
    assertThat(b.stats().pending()).isZero();
    assertThat(store.batches()).allSatisfy(batch -> assertThat(batch).hasSizeLessThanOrEqualTo(4));
  }

  @Test
  void mergeBackBoundsAllPendingItemsWhateverTheKeysAndBlocksWritersPastTheBound() {
    Batcher<Item> b =
        batcher(
            o ->
                o.coalescing(Item.laterWins())
                    .maxBatchSize(10)
                    .maxPendingItems(10)
                    .queueCapacity(10)
                    .writeTimeout(Duration.ofMillis(100))
                    .retryPolicy(
                        RetryPolicy.exponential(
                            Duration.ofMinutes(1), Duration.ofMinutes(1), 1, 100)));
    faulty.failing(true);
    b.write(new Item("k0", 0));
    assertThat(b.flush().outcome()).isEqualTo(FlushResult.Outcome.FAILED); // backing off now
    for (int i = 1; i < 10; i++) {
      b.write(new Item("k" + i, i)); // the pending batch reaches the bound: 10 distinct keys
    }
    b.write(new Item("k5", 50)); // at the bound, but its key is pending: it merges
    for (int i = 10; i < 20; i++) {
      b.write(new Item("k" + i, i)); // new keys: they stay queued and fill the queue
    }
    awaitIdle(b);
    Clock real = Clock.system();
    long start = real.nanoTime();
    assertThatThrownBy(() -> b.write(new Item("k20", 20)))
        .isInstanceOf(RejectedExecutionException.class)
        .hasMessageContaining("queue stayed full");
    assertThat(Duration.ofNanos(real.nanoTime() - start))
        .isGreaterThanOrEqualTo(Duration.ofMillis(100));
    assertThatThrownBy(() -> b.write(new Item("k3", 30))) // would merge, but waits behind k10
        .isInstanceOf(RejectedExecutionException.class);
    awaitIdle(b);

    ComponentStats s = b.stats();
    assertThat(s.accepted()).isEqualTo(23);
    assertThat(s.coalesced()).isEqualTo(1);
    // exactly maxPendingItems (10) held by the worker plus queueCapacity (10) queued
    assertThat(s.pending()).isEqualTo(20);
    assertThat(s.dropped()).isEqualTo(Map.of(DropReasons.QUEUE_FULL, 2L));
    assertThat(s.failedFlushes()).isEqualTo(1);

    faulty.failing(false);
    assertThat(b.flush().rows()).isEqualTo(20);
    List<Item> expected = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      expected.add(new Item("k" + i, i == 5 ? 50 : i));
    }
    assertThat(store.items()).containsExactlyElementsOf(expected);
    assertThat(store.batches()).hasSize(2);
    assertThat(b.stats().pending()).isZero();
  }

  @ParameterizedTest(name = "parallelism {0}")
  @ValueSource(ints = {1, 4})
  void mergeBackKeepsMemoryBoundedByDistinctKeys(int parallelism) {
    Batcher<Item> b =
        batcher(
            o ->
                o.coalescing(Item.laterWins())
                    .parallelism(parallelism)
                    .maxBatchSize(10)
                    .retryPolicy(
                        RetryPolicy.exponential(
                            Duration.ofMinutes(1), Duration.ofMinutes(1), 1, 100)));
    faulty.failing(true);
    for (int i = 0; i < 1_000; i++) {
      b.write(new Item("k" + (i % 20), i));
    }
    awaitIdle(b);
    ComponentStats s = b.stats();
    assertThat(s.pending()).isEqualTo(20);
    assertThat(s.coalesced()).isEqualTo(980);
    faulty.failing(false);
    b.close();
    List<Item> latest = new ArrayList<>();
    for (int k = 0; k < 20; k++) {
      latest.add(new Item("k" + k, 980 + k)); // the last write of key k(i % 20) was i = 980 + k
    }
    assertThat(store.items()).containsExactlyInAnyOrderElementsOf(latest);
  }

  @ParameterizedTest(name = "parallelism {0}")
  @ValueSource(ints = {1, 4})
  void healthDegradesAfterRepeatedFailures(int parallelism) {
    Batcher<Item> b =
        batcher(
            o ->
                o.parallelism(parallelism)
                    .retryPolicy(RetryPolicy.none())
                    .healthPolicy(HealthPolicy.of(2, Duration.ofMinutes(5))));
    faulty.failing(true);
    b.write(Item.keyless(1));
    b.flush();
    assertThat(b.health()).isEqualTo(Health.HEALTHY);
    b.write(Item.keyless(2));
    b.flush();
    assertThat(b.health()).isEqualTo(Health.DEGRADED);
    faulty.failing(false);
    b.write(Item.keyless(3));
    b.flush();
    assertThat(b.health()).isEqualTo(Health.HEALTHY);
  }

  @Test
  void throwingListenerAndMergeRuleNeverStopTheWorker() {
    Batcher<Item> b =
        batcher(
            o ->
                o.coalescing(
                        Coalescing.of(
                            Item::key,
                            (x, y) -> {
                              throw new IllegalStateException("boom");
                            }))
                    .flushListener(
                        (name, r) -> {
                          throw new IllegalStateException("listener boom");
                        }));
    b.write(new Item("a", 1));
    b.write(new Item("a", 2));
    assertThat(b.flush().rows()).isEqualTo(2);
    assertThat(b.stats().callbackFailures()).isEqualTo(2); // the merge rule once, the listener once
  }

  @Test
  void errorsFromListenerKeyAndMergeRuleAreCountedAndNeverKillTheWorker() {
    Batcher<Item> b =
        batcher(
            o ->
                o.coalescing(
                        Coalescing.of(
                            item -> {
                              if (item.value() < 0) {
                                throw new AssertionError("key bug");
                              }
                              return item.key();
                            },
                            (x, y) -> {
                              throw new AssertionError("merge bug");
                            }))
                    .flushListener(
                        (name, r) -> {
                          throw new AssertionError("listener bug");
                        }));
    b.write(new Item("a", 1));
    b.write(new Item("a", 2)); // the merge rule throws: both are kept
    b.write(new Item("b", -1)); // the key function throws: kept as keyless
    assertThat(b.flush().rows()).isEqualTo(3);
    b.write(new Item("c", 3)); // the worker is alive: later writes and flushes still work
    assertThat(b.flush().rows()).isEqualTo(1);
    assertThat(store.items())
        .containsExactly(new Item("a", 1), new Item("a", 2), new Item("b", -1), new Item("c", 3));
    ComponentStats s = b.stats();
    assertThat(s.callbackFailures()).isEqualTo(4); // merge, key, and the listener twice
    assertThat(s.flushedRows()).isEqualTo(4);
    assertThat(logs.errors()) // the first failure is logged, then every 1000th
        .containsExactly(
            "test-batcher: the coalescing merge rule threw (1 failures so far); the item is kept uncoalesced");
  }

  @Test
  void builderRejectsBadValuesNamingThem() {
    Batcher.Builder<Item> builder = Batcher.builder(store);
    assertThatThrownBy(() -> builder.flushInterval(Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("flushInterval was PT-1S but must be positive");
    assertThatThrownBy(() -> builder.maxBatchSize(0))
        .hasMessage("maxBatchSize was 0 but must be >= 1");
    assertThatThrownBy(() -> builder.clock(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("clock");
    assertThatThrownBy(() -> Batcher.builder(store).maxBatchSize(10).maxPendingItems(5).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("maxPendingItems was 5");
    assertThatThrownBy(() -> Batcher.builder(null)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> builder.parallelism(0))
        .hasMessage("parallelism was 0 but must be >= 1");
    assertThatThrownBy(() -> builder.parallelism(65))
        .hasMessage("parallelism was 65 but must be <= 64");
  }

  @Test
  void workerThreadIsANamedDaemon() {
    Batcher<Item> b = batcher(o -> o.name("named"));
    assertThat(b.name()).isEqualTo("named");
    assertThat(Thread.getAllStackTraces().keySet())
        .anyMatch(t -> t.getName().equals("tally-named-1") && t.isDaemon());
  }
}
