package io.tally.core.batch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tally.core.ConfigException;
import io.tally.core.TallyConfig;
import io.tally.core.backend.Backend;
import io.tally.core.spi.BackendProvider;
import io.tally.core.spi.ProviderContext;
import io.tally.core.spi.Stores;
import io.tally.testkit.InMemoryConnectionLogStore;
import io.tally.testkit.InMemoryLastUsedStore;
import io.tally.testkit.InMemoryUsageStatsStore;
import io.tally.testkit.ManualClock;
import java.util.Map;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

/** The batcher's memory bound, parallelism and retry limits as configuration keys. */
class BatchConfigTest {
  @Test
  void maxPendingDefaultsToTenBatchesAndRetriesAreUnlimited() {
    TallyConfig c = TallyConfig.from(Map.of("tally.batch.size", "200"));
    assertThat(c.batchMaxPending()).isEqualTo(2_000);
    assertThat(c.retryMaxAttempts()).isEqualTo(RetryPolicy.UNLIMITED);
    assertThat(TallyConfig.from(Map.of("tally.batch.max-pending", "50000")).batchMaxPending())
        .isEqualTo(50_000);
  }

  @Test
  void maxPendingHasBoundsTheConfigExceptionNames() {
    assertThatThrownBy(() -> TallyConfig.from(Map.of("tally.batch.max-pending", "2147483647")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(
            "tally.batch.max-pending was '2147483647' but must be at most 10000000");
    assertThatThrownBy(
            () ->
                TallyConfig.from(
                    Map.of("tally.batch.max-pending", "10", "tally.batch.size", "100")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(
            "tally.batch.max-pending was '10' but must be >= tally.batch.size ('100')");
    assertThatThrownBy(() -> Batcher.builder(b -> {}).maxPendingItems(10_000_001))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxPendingItems was 10000001 but must be <= 10000000");
  }

  @Test
  void parallelismDefaultsToTheCoresAtMostFourAndLeavesTwoPoolConnections() {
    int cores = Runtime.getRuntime().availableProcessors();
    assertThat(TallyConfig.from(Map.of()).batchParallelism()).isEqualTo(Math.min(cores, 4));
    assertThat(TallyConfig.from(Map.of("tally.jdbc.pool-size", "3")).batchParallelism())
        .isEqualTo(1);
    assertThat(TallyConfig.from(Map.of("tally.jdbc.pool-size", "1")).batchParallelism())
        .isEqualTo(1);
    assertThat(TallyConfig.from(Map.of("tally.jdbc.pool-size", "4")).batchParallelism())
        .isEqualTo(Math.min(cores, 2));
    assertThat(TallyConfig.from(Map.of("tally.batch.parallelism", "6")).batchParallelism())
        .isEqualTo(6);
  }

  @Test
  void parallelismHasBoundsTheConfigExceptionNames() {
    assertThatThrownBy(() -> TallyConfig.from(Map.of("tally.batch.parallelism", "0")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("tally.batch.parallelism was '0' but must be >= 1");
    assertThatThrownBy(() -> TallyConfig.from(Map.of("tally.batch.parallelism", "65")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("tally.batch.parallelism was '65' but must be at most 64");
    assertThatThrownBy(
            () ->
                TallyConfig.from(
                    Map.of("tally.batch.parallelism", "9", "tally.jdbc.pool-size", "10")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(
            "tally.batch.parallelism was '9' but must be <= tally.jdbc.pool-size - 2 ('8')");
  }

  @Test
  void theDbBackendWritesWithTheConfiguredParallelism() {
    InMemoryConnectionLogStore store = new InMemoryConnectionLogStore();
    Stores stores =
        Stores.of(
            new InMemoryLastUsedStore<>(),
            new InMemoryUsageStatsStore(),
            store,
            () -> {},
            () -> {});
    TallyConfig config = TallyConfig.from(Map.of("tally.batch.parallelism", "3"));
    BackendProvider db =
        ServiceLoader.load(BackendProvider.class).stream()
            .map(ServiceLoader.Provider::get)
            .filter(p -> p.name().equals("db"))
            .findFirst()
            .orElseThrow();
    Backend<?> backend = db.create(ProviderContext.of(config, stores, ManualClock.create()));
    try {
      assertThat(backend).isInstanceOf(ShardedBatcher.class);
      assertThat(((ShardedBatcher<?>) backend).parallelism()).isEqualTo(3);
      assertThat(((Batcher<?>) backend).name()).isEqualTo("connection-log");
    } finally {
      backend.close();
    }
  }
}
