package io.tally.core.batch;

import static org.assertj.core.api.Assertions.assertThat;

import io.tally.core.Clock;
import io.tally.core.ComponentStats;
import io.tally.core.DropReasons;
import io.tally.core.FlushResult;
import io.tally.core.connectionlog.ConnectionEvent;
import io.tally.core.connectionlog.ConnectionEvents;
import io.tally.testkit.Await;
import io.tally.testkit.ConnectionLogStoreContract;
import io.tally.testkit.ConservationCheck;
import io.tally.testkit.FaultyStore;
import io.tally.testkit.ManualClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A batcher with {@code parallelism > 1}: shards by key, one bound, one component. */
class ShardedBatcherTest {
  private static final Duration GENEROUS = Duration.ofSeconds(60);

  @RegisterExtension final ConservationCheck conservation = ConservationCheck.create();
  @RegisterExtension final BatcherLogs logs = new BatcherLogs();

  private final ManualClock clock = ManualClock.create();
  private final List<Batcher<Item>> open = new ArrayList<>();

  @AfterEach
  void closeAll() {
    open.forEach(Batcher::close);
  }

  private Batcher<Item> batcher(
      BatchStore<Item> store, UnaryOperator<Batcher.Builder<Item>> options) {
    Batcher<Item> b =
        options.apply(Batcher.builder(store).clock(clock).name("sharded").parallelism(4)).build();
    open.add(b);
    return conservation.watch(b);
  }

  @Test
  void oneSessionsConnectAndDisconnectAlwaysGoToTheSameShardAndKeysUseEveryShard() {
    Coalescing<ConnectionEvent> rule = ConnectionEvents.coalescing();
    Instant t = Instant.parse("2026-01-01T00:00:00Z");
    Set<Integer> used = new HashSet<>();
    for (int i = 0; i < 1_000; i++) {
      ConnectionEvent.Builder session = ConnectionLogStoreContract.session();
      ConnectionEvent connect = session.connect(t);
      ConnectionEvent disconnect = session.id(UUID.randomUUID()).disconnect(t.plusSeconds(60));
      Object connectKey = rule.key(connect);
      Object disconnectKey = rule.key(disconnect);
      for (int shards = 1; shards <= Batcher.Builder.MAX_PARALLELISM; shards++) {
        int shard = ShardedBatcher.shardOfKey(connectKey, shards);
        assertThat(ShardedBatcher.shardOfKey(disconnectKey, shards)).isEqualTo(shard);
        assertThat(shard).isBetween(0, shards - 1);
      }
      used.add(ShardedBatcher.shardOfKey(connectKey, 4));
    }
    assertThat(used).containsExactlyInAnyOrder(0, 1, 2, 3);
  }

  /**
   * A store that records how many calls run at once and which keys they hold; a call waits until
   * {@code gate} calls came (or 30 s passed), so that overlap is seen, not hoped for.
   */
  private static final class OverlapStore implements BatchStore<Item> {
    final RecordingStore<Item> written = new RecordingStore<>();
    final AtomicInteger inside = new AtomicInteger();
    final AtomicInteger maxInside = new AtomicInteger();
    final Map<String, Boolean> keysInFlight = new ConcurrentHashMap<>();
    final AtomicInteger keyRaces = new AtomicInteger();
    volatile CountDownLatch gate = new CountDownLatch(0);

    @Override
    public void upsertBatch(List<Item> batch) {
      maxInside.accumulateAndGet(inside.incrementAndGet(), Math::max);
      List<String> mine = new ArrayList<>();
      try {
        for (Item item : batch) {
          if (item.key() != null) {
            if (keysInFlight.putIfAbsent(item.key(), Boolean.TRUE) != null) {
              keyRaces.incrementAndGet();
            } else {
              mine.add(item.key());
            }
          }
        }
        CountDownLatch g = gate;
        g.countDown();
        g.await(30, TimeUnit.SECONDS);
        written.upsertBatch(batch);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      } finally {
        mine.forEach(keysInFlight::remove);
        inside.decrementAndGet();
      }
    }
  }

  @Test
  void upToParallelismStoreCallsRunAtOnce() {
    OverlapStore store = new OverlapStore();
    store.gate = new CountDownLatch(4);
    Batcher<Item> b =
        batcher(
            store,
            o -> o.maxBatchSize(10).maxPendingItems(1_000).flushTimeout(Duration.ofMinutes(2)));
    for (int i = 0; i < 400; i++) {
      b.write(Item.keyless(i)); // round-robin: every shard gets 100, ten size flushes each
    }
    assertThat(b.flush().isSuccess()).isTrue();
    Await.until("everything written", GENEROUS, () -> b.stats().flushedRows() == 400);
    assertThat(store.maxInside.get()).isEqualTo(4);
    assertThat(store.written.items()).hasSize(400);
  }

  @Test
  void concurrentWritersOnFewKeysNeverHaveOneKeyInTwoCallsAndTheBooksBalance() throws Exception {
    OverlapStore store = new OverlapStore();
    Batcher<Item> b =
        batcher(store, o -> o.coalescing(Item.laterWins()).maxBatchSize(8).maxPendingItems(64));
    int writers = 4;
    int perWriter = 20_000;
    CountDownLatch start = new CountDownLatch(1);
    List<CompletableFuture<Void>> done = new ArrayList<>();
    for (int w = 0; w < writers; w++) {
      int writer = w;
      done.add(
          CompletableFuture.runAsync(
              () -> {
                await(start);
                for (int i = 0; i < perWriter; i++) {
                  // 32 keys shared by all writers, and some keyless items
                  b.write(i % 5 == 0 ? Item.keyless(i) : new Item("k" + (i % 32), writer));
                }
              }));
    }
    CompletableFuture<Void> flusher =
        CompletableFuture.runAsync(
            () -> {
              await(start);
              for (int i = 0; i < 50; i++) {
                b.flush();
              }
            });
    start.countDown();
    for (CompletableFuture<Void> f : done) {
      f.get(60, TimeUnit.SECONDS);
    }
    flusher.get(60, TimeUnit.SECONDS);
    b.close();

    ComponentStats s = b.stats();
    assertThat(s.accepted()).isEqualTo((long) writers * perWriter);
    assertThat(s.dropped()).isEmpty();
    assertThat(s.pending()).isZero();
    assertThat(s.flushedRows() + s.coalesced()).isEqualTo(s.accepted());
    assertThat(store.written.items()).hasSize((int) s.flushedRows());
    assertThat(store.keyRaces.get()).isZero();
    assertThat(store.maxInside.get()).isLessThanOrEqualTo(4);
  }

  private static void await(CountDownLatch latch) {
    try {
      assertThat(latch.await(60, TimeUnit.SECONDS)).isTrue();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Distinct keys that all go to shard {@code shard} of 4. */
  private static List<Item> itemsOfShard(int shard, int n) {
    List<Item> out = new ArrayList<>();
    for (int i = 0; out.size() < n; i++) {
      if (ShardedBatcher.shardOfKey("k" + i, 4) == shard) {
        out.add(new Item("k" + i, shard));
      }
    }
    return out;
  }

  @Test
  void theMemoryBoundIsForAllShardsTogether() {
    FaultyStore<BatchStore<Item>> faulty = FaultyStore.wrap(new RecordingStore<Item>());
    Batcher<Item> b =
        batcher(
            faulty.store(),
            o ->
                o.coalescing(Item.laterWins())
                    .maxBatchSize(10)
                    .maxPendingItems(40)
                    .queueCapacity(8) // 2 per shard
                    .flushTimeout(Duration.ofMinutes(10)));
    faulty.block();
    List<Item> first = itemsOfShard(0, 43);
    for (int i = 0; i < 42; i++) {
      assertThat(b.offer(first.get(i), GENEROUS)).isTrue();
    }
    // shard 0 holds the whole bound (a hanging call of 10 and 30 pending), 2 wait in its queue
    assertThat(b.offer(first.get(42), Duration.ZERO)).isFalse();
    List<Item> second = itemsOfShard(1, 3);
    assertThat(b.offer(second.get(0), Duration.ZERO)).isTrue();
    assertThat(b.offer(second.get(1), Duration.ZERO)).isTrue();
    // shard 1 holds nothing, but the bound is used up: its queue stays full
    assertThat(b.offer(second.get(2), Duration.ZERO)).isFalse();
    ComponentStats s = b.stats();
    assertThat(s.pending()).isEqualTo(44);
    assertThat(s.dropped()).isEqualTo(Map.of(DropReasons.ENQUEUE_TIMEOUT, 2L));
    faulty.awaitBlocked(1, GENEROUS); // the I/O thread may start the call after the above
    assertThat(faulty.calls()).isEqualTo(1); // only shard 0's, still hanging
    faulty.release();
    assertThat(b.flush().isSuccess()).isTrue();
    b.close();
    assertThat(b.stats().flushedRows()).isEqualTo(44);
  }

  @Test
  void atTheSharedBoundAShardWritesItsPartialBatchSoNoWriterWaitsForATimer() {
    RecordingStore<Item> store = new RecordingStore<>();
    // The bound (10) is one batch: two shards can each hold half a batch and use it up. Without
    // writing partial batches at the bound, the writers would wait for the flush timer, which
    // never fires here (the manual clock stands still), and time out.
    Batcher<Item> b =
        batcher(
            store,
            o ->
                o.parallelism(2)
                    .coalescing(Item.laterWins())
                    .maxBatchSize(10)
                    .maxPendingItems(10)
                    .queueCapacity(2)
                    .writeTimeout(GENEROUS));
    for (int i = 0; i < 1_000; i++) {
      b.write(new Item("k" + i, i)); // distinct keys: hashed over both shards
    }
    Await.until("everything written", GENEROUS, () -> b.stats().flushedRows() >= 990);
    b.close();
    assertThat(store.items()).hasSize(1_000);
    assertThat(b.stats().dropped()).isEmpty();
  }

  @Test
  void flushReportsTheRowsOfEveryShardAndStatsAreOneComponent() {
    RecordingStore<Item> store = new RecordingStore<>();
    Batcher<Item> b = batcher(store, o -> o);
    assertThat(b.flush().outcome()).isEqualTo(FlushResult.Outcome.EMPTY);
    for (int i = 0; i < 10; i++) {
      b.write(Item.keyless(i));
    }
    FlushResult r = b.flush();
    assertThat(r.outcome()).isEqualTo(FlushResult.Outcome.SUCCESS);
    assertThat(r.rows()).isEqualTo(10);
    assertThat(store.batchCount()).isEqualTo(4); // one per shard
    ComponentStats s = b.stats();
    assertThat(s.component()).isEqualTo("sharded");
    assertThat(s.flushes()).isEqualTo(4);
    assertThat(s.flushedRows()).isEqualTo(10);
    assertThat(((ShardedBatcher<?>) b).parallelism()).isEqualTo(4);
    assertThat(Thread.getAllStackTraces().keySet())
        .extracting(Thread::getName)
        .contains("tally-sharded-1", "tally-sharded-2", "tally-sharded-3", "tally-sharded-4");
  }

  @Test
  void closeWithEveryShardStuckReturnsWithinOneShutdownTimeout() {
    FaultyStore<BatchStore<Item>> faulty = FaultyStore.wrap(new RecordingStore<Item>());
    Batcher<Item> b =
        batcher(faulty.store(), o -> o.maxBatchSize(1).shutdownTimeout(Duration.ofSeconds(2)));
    faulty.block();
    for (int i = 0; i < 8; i++) {
      b.write(Item.keyless(i));
    }
    faulty.awaitBlocked(4, GENEROUS);
    Clock real = Clock.system();
    long start = real.nanoTime();
    b.close();
    Duration took = Duration.ofNanos(real.nanoTime() - start);
    assertThat(took).isLessThan(Duration.ofSeconds(6)); // one budget for all four, not four (8 s)
    ComponentStats s = b.stats();
    assertThat(s.dropped()).isEqualTo(Map.of(DropReasons.SHUTDOWN, 8L));
    assertThat(s.pending()).isZero();
    faulty.release();
  }

  @Test
  void healthAndFailuresAreTheComponentsAndListenersSeeEveryShard() {
    FaultyStore<BatchStore<Item>> faulty = FaultyStore.wrap(new RecordingStore<Item>());
    AtomicInteger calls = new AtomicInteger();
    Batcher<Item> b =
        batcher(
            faulty.store(),
            o ->
                o.retryPolicy(RetryPolicy.none())
                    .flushListener((name, r) -> calls.incrementAndGet()));
    faulty.failing(true);
    for (int i = 0; i < 4; i++) {
      b.write(Item.keyless(i));
    }
    assertThat(b.flush().outcome()).isEqualTo(FlushResult.Outcome.FAILED);
    ComponentStats s = b.stats();
    assertThat(s.consecutiveFailures()).isEqualTo(4);
    assertThat(s.failedFlushes()).isEqualTo(4);
    assertThat(s.dropped()).isEqualTo(Map.of(DropReasons.RETRIES_EXHAUSTED, 4L));
    assertThat(calls.get()).isEqualTo(4);
    faulty.failing(false);
    b.write(Item.keyless(9));
    assertThat(b.flush().isSuccess()).isTrue();
    assertThat(b.stats().consecutiveFailures()).isZero();
  }
}
