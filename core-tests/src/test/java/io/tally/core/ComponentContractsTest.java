package io.tally.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tally.core.batch.BatchStore;
import io.tally.core.batch.Batcher;
import io.tally.core.connectionlog.ConnectionLogRetention;
import io.tally.core.lastused.LastUsedTracker;
import io.tally.core.usagestats.UsageStatsReporter;
import io.tally.core.usagestats.UsageStatsTracker;
import io.tally.testkit.InMemoryConnectionLogStore;
import io.tally.testkit.InMemoryLastUsedStore;
import io.tally.testkit.InMemoryUsageStatsStore;
import io.tally.testkit.ManualClock;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** Rules every component shares: one naming rule, and flush() after close(). */
class ComponentContractsTest {
  private final ManualClock clock = ManualClock.create();
  private final BatchStore<String> batchStore = batch -> {};

  /** Builds each of the five components with the given name. */
  private List<Function<String, TallyComponent>> builders() {
    return List.of(
        n ->
            LastUsedTracker.builder(new InMemoryLastUsedStore<String>())
                .clock(clock)
                .name(n)
                .build(),
        n ->
            UsageStatsTracker.builder(new InMemoryUsageStatsStore(), UUID.randomUUID())
                .clock(clock)
                .name(n)
                .build(),
        n -> UsageStatsReporter.builder(new InMemoryUsageStatsStore()).clock(clock).name(n).build(),
        n -> Batcher.builder(batchStore).clock(clock).name(n).build(),
        n ->
            ConnectionLogRetention.builder(new InMemoryConnectionLogStore(), Duration.ofDays(1))
                .clock(clock)
                .name(n)
                .build());
  }

  @Test
  void everyBuilderAppliesTheSameNameRule() {
    String longest = "a".repeat(40);
    for (Function<String, TallyComponent> build : builders()) {
      for (String good : List.of("a", "Conn-log_2", longest)) {
        try (TallyComponent c = build.apply(good)) {
          assertThat(c.name()).isEqualTo(good);
          assertThat(c.stats().component()).isEqualTo(good);
        }
      }
      for (String bad : List.of("", " ", "a.b", "has space", "a/b", longest + "a")) {
        assertThatThrownBy(() -> build.apply(bad).close())
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessage("name was '" + bad + "' but must be 1 to 40 letters, digits, '-' or '_'");
      }
      assertThatThrownBy(() -> build.apply(null))
          .isInstanceOf(NullPointerException.class)
          .hasMessage("name");
    }
  }

  @Test
  void flushAfterCloseReturnsEmptyEverywhere() {
    LastUsedTracker<String> lastUsed =
        LastUsedTracker.builder(new InMemoryLastUsedStore<String>()).clock(clock).build();
    UsageStatsTracker usage =
        UsageStatsTracker.builder(new InMemoryUsageStatsStore(), UUID.randomUUID())
            .clock(clock)
            .build();
    Batcher<String> batcher = Batcher.builder(batchStore).clock(clock).build();
    lastUsed.markUsed("a");
    usage.track(UUID.randomUUID(), UUID.randomUUID(), 1, 0);
    batcher.write("x");
    lastUsed.close();
    usage.close();
    batcher.close();
    ConnectionLogRetention retention =
        ConnectionLogRetention.builder(new InMemoryConnectionLogStore(), Duration.ofDays(1))
            .clock(clock)
            .build();
    retention.close();
    assertThat(retention.flush()).isEqualTo(FlushResult.empty());
    assertThat(lastUsed.flush()).isEqualTo(FlushResult.empty());
    assertThat(usage.flush()).isEqualTo(FlushResult.empty());
    assertThat(batcher.flush()).isEqualTo(FlushResult.empty());
  }
}
