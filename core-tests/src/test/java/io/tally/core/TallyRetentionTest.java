package io.tally.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.inject.Module;
import io.tally.core.spi.ProviderContext;
import io.tally.core.spi.ProviderLoader;
import io.tally.core.spi.StoreProvider;
import io.tally.core.spi.Stores;
import io.tally.testkit.ConnectionLogStoreContract;
import io.tally.testkit.InMemoryConnectionLogStore;
import io.tally.testkit.InMemoryLastUsedStore;
import io.tally.testkit.InMemoryUsageStatsStore;
import io.tally.testkit.ManualClock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Tally starts connection-log retention only when {@code tally.connection-log.retention} is set.
 */
class TallyRetentionTest {
  private final ManualClock clock = ManualClock.create();
  private final InMemoryConnectionLogStore connectionLog = new InMemoryConnectionLogStore();

  private final StoreProvider memory =
      new StoreProvider() {
        @Override
        public String name() {
          return "memory";
        }

        @Override
        public Stores open(ProviderContext context) {
          return Stores.of(
              new InMemoryLastUsedStore<>(),
              new InMemoryUsageStatsStore(),
              connectionLog,
              () -> {},
              () -> {});
        }
      };

  private Tally start(TallyConfig.Builder config) {
    Module manualClock = binder -> binder.bind(Clock.class).toInstance(clock);
    return Tally.start(
        TallyModule.builder(config.store("memory").backends().build())
            .loader(ProviderLoader.of(memory))
            .build(),
        manualClock);
  }

  @Test
  void offByDefault() {
    TallyConfig config = TallyConfig.builder().build();
    assertThat(config.connectionLogRetention()).isEmpty();
    assertThat(config.connectionLogRetentionInterval()).isEqualTo(Duration.ofMinutes(10));
    assertThat(config.connectionLogRetentionBatchSize()).isEqualTo(10_000);
    try (Tally tally = start(TallyConfig.builder())) {
      assertThat(tally.stats())
          .extracting(ComponentStats::component)
          .doesNotContain("connection-log-retention");
    }
  }

  @Test
  void theKeysStartARetentionThatTheClockDrives() {
    connectionLog.upsertBatch(
        List.of(
            ConnectionLogStoreContract.session().connect(clock.now().minus(Duration.ofDays(8))),
            ConnectionLogStoreContract.session().connect(clock.now().minus(Duration.ofDays(6)))));
    TallyConfig.Builder config =
        TallyConfig.builder()
            .connectionLogRetention(Duration.ofDays(7))
            .connectionLogRetentionInterval(Duration.ofMinutes(1))
            .connectionLogRetentionBatchSize(1);
    try (Tally tally = start(config)) {
      clock.advance(Duration.ofMinutes(1));

      assertThat(connectionLog.rows()).hasSize(1);
      ComponentStats stats =
          tally.stats().stream()
              .filter(s -> s.component().equals("connection-log-retention"))
              .findFirst()
              .orElseThrow();
      assertThat(stats.flushedRows()).isEqualTo(1);
      assertThat(tally.health()).isEqualTo(Health.HEALTHY);
    }
    clock.advance(Duration.ofDays(30));
    assertThat(connectionLog.rows()).hasSize(1); // stopped with Tally
  }

  @Test
  void keysAreReadAndCheckedFromAMap() {
    TallyConfig config =
        TallyConfig.from(
            Map.of(
                "tally.connection-log.retention", "90d",
                "tally.connection-log.retention-interval", "5m",
                "tally.connection-log.retention-batch-size", "500"));
    assertThat(config.connectionLogRetention()).contains(Duration.ofDays(90));
    assertThat(config.connectionLogRetentionInterval()).isEqualTo(Duration.ofMinutes(5));
    assertThat(config.connectionLogRetentionBatchSize()).isEqualTo(500);

    assertThatThrownBy(
            () ->
                TallyConfig.from(
                    Map.of(
                        "tally.connection-log.retention", "0s",
                        "tally.connection-log.retention-batch-size", "100001")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("tally.connection-log.retention was '0s' but must be positive")
        .hasMessageContaining(
            "tally.connection-log.retention-batch-size was '100001' but must be at most 100000");
  }
}
