package io.tally.examples.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.tally.core.FlushResult;
import io.tally.core.Health;
import io.tally.core.batch.Batcher;
import io.tally.core.connectionlog.ConnectionEvent;
import io.tally.core.connectionlog.ConnectionEvents;
import io.tally.core.lastused.LastUsedStore;
import io.tally.core.lastused.LastUsedTracker;
import io.tally.testkit.ConnectionLogStoreContract;
import io.tally.testkit.ConservationCheck;
import io.tally.testkit.FaultyStore;
import io.tally.testkit.InMemoryConnectionLogStore;
import io.tally.testkit.InMemoryLastUsedStore;
import io.tally.testkit.ManualClock;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** How a service tests its own use of Tally with the testkit: the README's testkit example. */
class TestkitExampleTest {
  // tag::testkit[]
  @RegisterExtension final ConservationCheck conservation = ConservationCheck.create();

  @Test
  void aFailedFlushLosesNothing() {
    ManualClock clock = ManualClock.create(); // time moves only when the test says so
    InMemoryLastUsedStore<UUID> store = new InMemoryLastUsedStore<>();
    FaultyStore<LastUsedStore<UUID>> faulty = FaultyStore.wrap(store);
    LastUsedTracker<UUID> tracker =
        conservation.watch( // after the test: accepted == written + pending + dropped
            LastUsedTracker.builder(faulty.store())
                .flushInterval(Duration.ofSeconds(60))
                .clock(clock)
                .build());
    UUID workspace = UUID.randomUUID();

    tracker.markUsed(workspace, clock.now());
    faulty.failNext(1);
    clock.advance(Duration.ofSeconds(60)); // the timer's flush runs here, and fails
    assertThat(store.lastUsed(workspace)).isEmpty();

    clock.advance(Duration.ofSeconds(60)); // the next one writes what the first could not
    assertThat(store.lastUsed(workspace)).contains(clock.now().minusSeconds(120));
    assertThat(tracker.health()).isEqualTo(Health.HEALTHY);
    tracker.close();
  }

  // end::testkit[]

  @Test
  void aBatchersTimerFlushIsAwaitedNotRaced() {
    ManualClock clock = ManualClock.create();
    InMemoryConnectionLogStore store = new InMemoryConnectionLogStore();
    // tag::batcher[]
    Batcher<ConnectionEvent> batcher =
        conservation.watch(
            Batcher.builder(store)
                .coalescing(ConnectionEvents.coalescing())
                .flushInterval(Duration.ofSeconds(5))
                .clock(clock)
                .build());
    batcher.write(ConnectionLogStoreContract.session().connect(clock.now()));

    clock.advance(Duration.ofSeconds(5)); // the flush timer fires: it wakes the batcher's worker
    assertThat(batcher.awaitIdle(Duration.ofSeconds(30))).isTrue(); // the worker has written
    assertThat(store.rows()).hasSize(1);
    // end::batcher[]
    batcher.close();
  }

  @Test
  void flushReportsWhatItDid() {
    ManualClock clock = ManualClock.create();
    InMemoryLastUsedStore<UUID> store = new InMemoryLastUsedStore<>();
    LastUsedTracker<UUID> tracker =
        conservation.watch(LastUsedTracker.builder(store).clock(clock).build());
    tracker.markUsed(UUID.randomUUID());
    tracker.markUsed(UUID.randomUUID());
    FlushResult result = tracker.flush();
    assertThat(result.outcome()).isEqualTo(FlushResult.Outcome.SUCCESS);
    assertThat(result.rows()).isEqualTo(2);
    tracker.close();
  }
}
