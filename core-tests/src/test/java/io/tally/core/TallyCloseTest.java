package io.tally.core;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.inject.Module;
import io.tally.core.connectionlog.ConnectionEvent;
import io.tally.core.connectionlog.ConnectionLogStore;
import io.tally.core.connectionlog.ConnectionType;
import io.tally.core.lastused.LastUsedStore;
import io.tally.core.spi.ProviderContext;
import io.tally.core.spi.StoreProvider;
import io.tally.core.spi.Stores;
import io.tally.core.usagestats.UsageStatsStore;
import io.tally.testkit.FaultyStore;
import io.tally.testkit.InMemoryConnectionLogStore;
import io.tally.testkit.InMemoryLastUsedStore;
import io.tally.testkit.InMemoryUsageStatsStore;
import io.tally.testkit.ManualClock;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** {@link Tally#close()} has one budget, whatever each component's shutdown timeout. */
class TallyCloseTest {
  private static final Duration COMPONENT_TIMEOUT = Duration.ofSeconds(5);
  private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(6);

  private final ManualClock clock = ManualClock.create();
  private final Clock real = Clock.system();

  private final FaultyStore<LastUsedStore<UUID>> lastUsed =
      FaultyStore.wrap(new InMemoryLastUsedStore<>());
  private final FaultyStore<UsageStatsStore> usageStats =
      FaultyStore.wrap(new InMemoryUsageStatsStore());
  private final FaultyStore<ConnectionLogStore> connectionLog =
      FaultyStore.wrap(new InMemoryConnectionLogStore());

  /** Stores whose every call blocks until released. */
  private final class HangingStores implements StoreProvider {
    @Override
    public String name() {
      return "hanging";
    }

    @Override
    public Stores open(ProviderContext context) {
      return Stores.of(
          lastUsed.store(), usageStats.store(), connectionLog.store(), () -> {}, () -> {});
    }
  }

  @Test
  void componentsWhoseStoresHangCloseWithinOneBudget() {
    TallyConfig config =
        TallyConfig.builder()
            .store("hanging")
            .backends("db")
            .lastUsedFlushTimeout(COMPONENT_TIMEOUT)
            .lastUsedShutdownTimeout(COMPONENT_TIMEOUT)
            .usageStatsFlushTimeout(COMPONENT_TIMEOUT)
            .usageStatsShutdownTimeout(COMPONENT_TIMEOUT)
            .batchFlushTimeout(COMPONENT_TIMEOUT)
            .batchShutdownTimeout(COMPONENT_TIMEOUT)
            .set("tally.close-timeout", "6s")
            .build();
    Module manualClock = binder -> binder.bind(Clock.class).toInstance(clock);
    Tally tally =
        Tally.start(
            TallyModule.builder(config).storeProvider(new HangingStores()).build(), manualClock);
    try {
      lastUsed.block();
      usageStats.block();
      connectionLog.block();
      UUID id = UUID.randomUUID();
      tally.lastUsed().markUsed(id);
      tally.usageStats().track(id, id, 1, 0);
      tally
          .connectionLog()
          .write(
              ConnectionEvent.builder()
                  .organizationId(id)
                  .workspaceOwnerId(id)
                  .workspaceId(id)
                  .workspaceName("ws")
                  .agentName("main")
                  .type(ConnectionType.SSH)
                  .ip("10.0.0.7")
                  .connectionId(id)
                  .connect(clock.now()));

      long start = real.nanoTime();
      tally.close();
      Duration took = Duration.ofNanos(real.nanoTime() - start);

      // Before: one component after the other, each up to its own shutdown timeout (3 x 5 s).
      assertThat(took).isLessThan(CLOSE_TIMEOUT.plusSeconds(4));
      assertThat(config.closeTimeout()).isEqualTo(CLOSE_TIMEOUT);
    } finally {
      lastUsed.release();
      usageStats.release();
      connectionLog.release();
    }
  }
}
