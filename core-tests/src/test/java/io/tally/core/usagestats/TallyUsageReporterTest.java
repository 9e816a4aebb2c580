package io.tally.core.usagestats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.inject.Module;
import io.tally.core.Clock;
import io.tally.core.Tally;
import io.tally.core.TallyConfig;
import io.tally.core.TallyModule;
import io.tally.core.spi.ProviderContext;
import io.tally.core.spi.StoreProvider;
import io.tally.core.spi.Stores;
import io.tally.testkit.FaultyStore;
import io.tally.testkit.InMemoryConnectionLogStore;
import io.tally.testkit.InMemoryLastUsedStore;
import io.tally.testkit.InMemoryUsageStatsStore;
import io.tally.testkit.InjectedFault;
import io.tally.testkit.ManualClock;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The facade's reporter claims under the replica id, so a restarted replica gets its summary. */
class TallyUsageReporterTest {
  private final ManualClock clock = ManualClock.create();
  private final InMemoryUsageStatsStore usage = new InMemoryUsageStatsStore();
  private final FaultyStore<UsageStatsStore> faulty =
      FaultyStore.<UsageStatsStore>wrap(usage).affecting("collectAndReset");

  /** Every Tally started by this test shares one usage store (one database). */
  private final StoreProvider shared =
      new StoreProvider() {
        @Override
        public String name() {
          return "shared";
        }

        @Override
        public Stores open(ProviderContext context) {
          return Stores.of(
              new InMemoryLastUsedStore<>(),
              faulty.store(),
              new InMemoryConnectionLogStore(),
              () -> {},
              () -> {});
        }
      };

  private Tally start(UUID replica) {
    TallyConfig config =
        TallyConfig.builder()
            .store("shared")
            .replicaId(replica)
            .usageStatsFlushInterval(Duration.ofDays(1))
            .build();
    Module manualClock = binder -> binder.bind(Clock.class).toInstance(clock);
    return Tally.start(TallyModule.builder(config).storeProvider(shared).build(), manualClock);
  }

  @Test
  void aReplicaRestartedAfterAnUnknownCollectionOutcomeGetsTheSummary() {
    UUID x = UUID.randomUUID();
    Tally first = start(x);
    Tally other = start(UUID.randomUUID());
    try {
      first.usageStats().track(UUID.randomUUID(), UUID.randomUUID(), 6, 1);
      first.usageStats().flush();
      clock.advance(Duration.ofMinutes(30));
      faulty.commitThenThrowNext(1);
      assertThatThrownBy(() -> first.usageReporter().collectAndReset())
          .isInstanceOf(InjectedFault.class);
      first.close();
      assertThat(other.usageReporter().collectAndReset()).isEmpty(); // claimed by replica x

      try (Tally restarted = start(x)) {
        UsageSummary summary = restarted.usageReporter().collectAndReset().orElseThrow();
        assertThat(summary.allowedRequests()).isEqualTo(6);
        assertThat(summary.deniedRequests()).isEqualTo(1);
      }
    } finally {
      first.close();
      other.close();
    }
  }
}
