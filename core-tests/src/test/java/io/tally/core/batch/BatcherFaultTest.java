package io.tally.core.batch;

import static org.assertj.core.api.Assertions.assertThat;

import io.tally.core.Clock;
import io.tally.core.ComponentStats;
import io.tally.core.DropReasons;
import io.tally.core.StoreException;
import io.tally.core.StoreException.Kind;
import io.tally.core.backend.FanOut;
import io.tally.testkit.Await;
import io.tally.testkit.ConservationCheck;
import io.tally.testkit.FaultyStore;
import io.tally.testkit.ManualClock;
import io.tally.testkit.RecordingBackend;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The batcher under store faults: outages, a slow store, poison items, a full queue. */
class BatcherFaultTest {
  private static final Duration GENEROUS = Duration.ofSeconds(60);

  @RegisterExtension final ConservationCheck conservation = ConservationCheck.create();
  @RegisterExtension final BatcherLogs logs = new BatcherLogs();

  private final ManualClock clock = ManualClock.create();
  private final List<Batcher<Item>> open = new ArrayList<>();

  @AfterEach
  void closeAll() {
    open.forEach(Batcher::close);
  }

  /** A store that writes a batch whole or not at all, and fails as told. */
  private static final class SwitchableStore implements BatchStore<Item> {
    private final RecordingStore<Item> written = new RecordingStore<>();
    private volatile Kind downKind; // non-null: every call fails with this kind
    private volatile Item poison; // a batch holding it fails
    private volatile Kind poisonKind = Kind.DATA;

    @Override
    public void upsertBatch(List<Item> batch) {
      Kind down = downKind;
      if (down != null) {
        throw failure("the database is down", down);
      }
      if (poison != null && batch.contains(poison)) {
        throw failure("value out of range (a row of this batch)", poisonKind);
      }
      written.upsertBatch(batch);
    }

    private static RuntimeException failure(String message, Kind kind) {
      // UNKNOWN: a store that does not classify, throwing a plain exception
      return kind == Kind.UNKNOWN
          ? new IllegalStateException(message)
          : new StoreException(message, null, kind);
    }
  }

  private Batcher<Item> batcher(
      BatchStore<Item> store, UnaryOperator<Batcher.Builder<Item>> options) {
    Batcher<Item> b = options.apply(Batcher.builder(store).clock(clock).name("faults")).build();
    open.add(b);
    return conservation.watch(b);
  }

  private static void awaitIdle(Batcher<?> b) {
    Await.until("the batcher's worker is idle", GENEROUS, () -> Idle.isIdle(b));
  }

  /** Advances the clock a second at a time (retries are due at most 30 s apart) until done. */
  private void advanceUntil(Batcher<?> b, String what, BooleanSupplier done) {
    for (int second = 0; second < 600; second++) {
      awaitIdle(b);
      if (done.getAsBoolean()) {
        return;
      }
      clock.advance(Duration.ofSeconds(1));
    }
    throw new AssertionError("not done after 600 s of clock time: " + what + "; " + b.stats());
  }

  @ParameterizedTest(name = "{0}, parallelism {1}")
  @CsvSource({"TRANSIENT, 1", "UNKNOWN, 1", "TRANSIENT, 4", "UNKNOWN, 4"})
  void aSixtySecondOutageAtALoadWithinTheBoundLosesNothing(Kind failure, int parallelism) {
    SwitchableStore store = new SwitchableStore();
    Batcher<Item> b =
        batcher(store, o -> o.maxBatchSize(100).maxPendingItems(10_000).parallelism(parallelism));
    store.downKind = failure;
    List<Item> all = new ArrayList<>();
    for (int second = 0; second < 60; second++) { // 100 new sessions a second, all keyless
      for (int i = 0; i < 100; i++) {
        Item item = Item.keyless(second * 100 + i);
        b.write(item);
        all.add(item);
      }
      awaitIdle(b);
      clock.advance(Duration.ofSeconds(1));
    }
    awaitIdle(b);
    ComponentStats during = b.stats();
    assertThat(during.dropped()).isEmpty();
    assertThat(during.pending()).isEqualTo(6_000);
    assertThat(during.failedFlushes()).isPositive();

    store.downKind = null; // the database is back
    advanceUntil(b, "everything written", () -> b.stats().flushedRows() == 6_000);
    assertThat(store.written.items()).containsExactlyInAnyOrderElementsOf(all);
    ComponentStats s = b.stats();
    assertThat(s.dropped()).isEmpty();
    assertThat(s.pending()).isZero();
  }

  @Test
  void writersKeepGoingWhileAStoreCallHangsUntilTheWholeBoundIsUsed() {
    FaultyStore<BatchStore<Item>> faulty = FaultyStore.wrap(new RecordingStore<Item>());
    Batcher<Item> b =
        batcher(
            faulty.store(),
            o ->
                o.maxBatchSize(100)
                    .queueCapacity(100)
                    .maxPendingItems(1_000)
                    .writeTimeout(GENEROUS)
                    .flushTimeout(Duration.ofMinutes(10)));
    faulty.block();
    for (int i = 0; i < 100; i++) {
      b.write(Item.keyless(i)); // a size flush: the store call hangs
    }
    faulty.awaitBlocked(1, GENEROUS);
    for (int i = 100; i < 1_100; i++) {
      // 10 times the queue's capacity, while the call still hangs: the worker keeps draining
      assertThat(b.offer(Item.keyless(i), GENEROUS)).isTrue();
    }
    assertThat(faulty.calls()).isEqualTo(1); // still the one hanging call
    ComponentStats s = b.stats();
    // the queue holds at most 100, so the worker holds the other 1,000 (the hanging 100 included)
    assertThat(s.pending()).isEqualTo(1_100);
    assertThat(s.dropped()).isEmpty();
    // only now, with the whole bound used, does a writer find no room
    assertThat(b.offer(Item.keyless(1_100), Duration.ZERO)).isFalse();
    assertThat(b.stats().dropped()).isEqualTo(Map.of(DropReasons.ENQUEUE_TIMEOUT, 1L));

    faulty.release();
    b.close();
    assertThat(b.stats().flushedRows()).isEqualTo(1_100);
    assertThat(b.stats().pending()).isZero();
  }

  @Test
  void aFullQueueWithAThreeSecondBudgetReturnsWithinTheBudgetAndCountsTheExpiry() {
    FaultyStore<BatchStore<Item>> faulty = FaultyStore.wrap(new RecordingStore<Item>());
    Batcher<Item> b =
        batcher(
            faulty.store(),
            o -> o.maxBatchSize(1).maxPendingItems(1).queueCapacity(1).writeTimeout(GENEROUS));
    faulty.block();
    b.write(Item.keyless(0));
    faulty.awaitBlocked(1, GENEROUS); // item 0 is being written and uses the whole bound
    b.write(Item.keyless(1)); // the queue is full now
    RecordingBackend<Item> other = RecordingBackend.create();
    FanOut<Item> fanOut = FanOut.of(b, other);

    Clock real = Clock.system();
    long start = real.nanoTime();
    boolean taken = fanOut.offer(Item.keyless(2), Duration.ofSeconds(3));
    Duration took = Duration.ofNanos(real.nanoTime() - start);

    assertThat(taken).isFalse();
    assertThat(took)
        .isGreaterThanOrEqualTo(Duration.ofSeconds(3))
        .isLessThan(Duration.ofSeconds(30));
    assertThat(other.events()).containsExactly(Item.keyless(2)); // the other backend still got it
    assertThat(b.stats().dropped()).isEqualTo(Map.of(DropReasons.ENQUEUE_TIMEOUT, 1L));
    assertThat(b.stats().accepted()).isEqualTo(3);
    assertThat(logs.errors()).anyMatch(m -> m.contains("reason enqueue_timeout"));
    faulty.release();
    b.close();
    assertThat(b.stats().flushedRows()).isEqualTo(2);
  }

  @ParameterizedTest(name = "{0} poison at {1}, parallelism {2}")
  @CsvSource({
    "DATA, 0, 1",
    "DATA, 1, 1",
    "DATA, 499, 1",
    "DATA, 999, 1",
    "DATA, 1000, 1",
    "DATA, 1537, 1",
    "DATA, 1999, 1",
    "UNKNOWN, 0, 1",
    "UNKNOWN, 998, 1",
    "UNKNOWN, 1000, 1",
    "UNKNOWN, 1999, 1",
    "DATA, 1537, 4",
    "UNKNOWN, 998, 4"
  })
  void onePoisonAmongTwoThousandLosesExactlyThePoison(Kind kind, int poisonAt, int parallelism) {
    SwitchableStore store = new SwitchableStore();
    List<Item> all = new ArrayList<>();
    for (int i = 0; i < 2_000; i++) {
      all.add(new Item("k" + i, i));
    }
    Item poison = all.get(poisonAt);
    store.poison = poison;
    store.poisonKind = kind;
    Batcher<Item> b = batcher(store, o -> o.coalescing(Item.laterWins()).parallelism(parallelism));
    all.forEach(b::write);

    advanceUntil(b, "the good items written", () -> b.stats().flushedRows() == 1_999);
    List<Item> good = new ArrayList<>(all);
    good.remove(poison);
    assertThat(store.written.items()).containsExactlyInAnyOrderElementsOf(good); // each once
    ComponentStats s = b.stats();
    assertThat(s.dropped()).isEqualTo(Map.of(DropReasons.REJECTED, 1L));
    assertThat(s.pending()).isZero();
    assertThat(logs.errors())
        .anyMatch(m -> m.contains("reason rejected") && m.contains("key " + poison.key()));
    b.write(new Item("after", 1)); // the batcher goes on
    assertThat(b.flush().isSuccess()).isTrue();
  }

  @Test
  void aPoisonFoundWhileClosingIsIsolatedToo() {
    SwitchableStore store = new SwitchableStore();
    Item poison = Item.keyless(37);
    store.poison = poison;
    Batcher<Item> b = batcher(store, o -> o);
    for (int i = 0; i < 100; i++) {
      b.write(Item.keyless(i));
    }
    b.close();
    assertThat(store.written.items()).hasSize(99).doesNotContain(poison);
    assertThat(b.stats().dropped()).isEqualTo(Map.of(DropReasons.REJECTED, 1L));
  }
}
