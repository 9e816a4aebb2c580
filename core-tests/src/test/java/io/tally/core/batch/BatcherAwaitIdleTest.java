package io.tally.core.batch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tally.core.FlushResult;
import io.tally.testkit.ConservationCheck;
import io.tally.testkit.FaultyStore;
import io.tally.testkit.ManualClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@link Batcher#awaitIdle(Duration)}: after {@code ManualClock.advance} only wakes the worker, it
 * makes a test of what the timer's flush wrote deterministic.
 */
class BatcherAwaitIdleTest {
  private static final Duration GENEROUS = Duration.ofSeconds(30);

  @RegisterExtension final ConservationCheck conservation = ConservationCheck.create();

  private final ManualClock clock = ManualClock.create();
  private final RecordingStore<Item> store = new RecordingStore<>();
  private final FaultyStore<BatchStore<Item>> faulty = FaultyStore.wrap(store);
  private final List<Batcher<Item>> open = new ArrayList<>();

  @AfterEach
  void closeAll() {
    faulty.release();
    open.forEach(Batcher::close);
  }

  private Batcher<Item> batcher() {
    Batcher<Item> b =
        Batcher.builder(faulty.store())
            .clock(clock)
            .flushInterval(Duration.ofSeconds(5))
            .retryPolicy(
                RetryPolicy.exponential(Duration.ofSeconds(1), Duration.ofSeconds(1), 2, 5))
            .name("await-idle")
            .build();
    open.add(b);
    return conservation.watch(b);
  }

  @Test
  void afterAdvanceAwaitIdleReturnsOnlyOnceTheTimersFlushHasWritten() {
    Batcher<Item> b = batcher();
    // Without awaitIdle the check below races the worker; with it, it holds every round.
    for (int round = 1; round <= 200; round++) {
      b.write(Item.keyless(round));
      clock.advance(Duration.ofSeconds(5));
      assertThat(b.awaitIdle(GENEROUS)).isTrue();
      assertThat(store.items()).hasSize(round);
      assertThat(b.stats().flushes()).isEqualTo(round);
      assertThat(b.stats().pending()).isZero();
    }
  }

  @Test
  void aFailedFlushAndItsRetryAreEachFinishedWhenAwaitIdleReturns() {
    Batcher<Item> b = batcher();
    b.write(Item.keyless(1));
    faulty.failNext(1);
    clock.advance(Duration.ofSeconds(5));
    assertThat(b.awaitIdle(GENEROUS)).isTrue();
    assertThat(b.stats().failedFlushes()).isEqualTo(1);
    assertThat(b.stats().pending()).isEqualTo(1);
    assertThat(store.items()).isEmpty();

    clock.advance(Duration.ofSeconds(1)); // the retry's backoff
    assertThat(b.awaitIdle(GENEROUS)).isTrue();
    assertThat(store.items()).containsExactly(Item.keyless(1));
    assertThat(b.stats().retries()).isEqualTo(1);
  }

  @Test
  void awaitIdleWaitsWhileAStoreCallIsInFlight() {
    Batcher<Item> b = batcher();
    b.write(Item.keyless(1));
    faulty.block();
    clock.advance(Duration.ofSeconds(5));
    faulty.awaitBlocked(1, GENEROUS);
    assertThat(b.awaitIdle(Duration.ofMillis(50))).isFalse(); // the call is still running
    faulty.release();
    assertThat(b.awaitIdle(GENEROUS)).isTrue();
    assertThat(store.items()).containsExactly(Item.keyless(1));
    assertThat(b.flush().outcome()).isEqualTo(FlushResult.Outcome.EMPTY);
  }

  @Test
  void aClosedBatcherIsIdleAndANegativeTimeoutIsRefused() {
    Batcher<Item> b = batcher();
    assertThatThrownBy(() -> b.awaitIdle(Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("timeout");
    b.close();
    assertThat(b.awaitIdle(Duration.ZERO)).isTrue();
  }
}
