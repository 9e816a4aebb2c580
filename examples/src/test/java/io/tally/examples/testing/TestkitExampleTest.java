package io.tally.examples.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.tally.core.FlushResult;
import io.tally.core.Health;
import io.tally.core.lastused.LastUsedTracker;
import io.tally.testkit.ConservationCheck;
import io.tally.testkit.FaultyStore;
import io.tally.testkit.InMemoryLastUsedStore;
import io.tally.testkit.ManualClock;
import io.tally.core.lastused.LastUsedStore;
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
