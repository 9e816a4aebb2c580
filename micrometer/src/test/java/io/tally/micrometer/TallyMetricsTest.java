package io.tally.micrometer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tally.core.ComponentStats;
import io.tally.core.DropReasons;
import io.tally.core.FlushResult;
import io.tally.core.Health;
import io.tally.core.Tally;
import io.tally.core.TallyComponent;
import io.tally.core.TallyConfig;
import io.tally.core.TallyModule;
import io.tally.core.lastused.LastUsedStore;
import io.tally.core.lastused.LastUsedTracker;
import io.tally.testkit.FaultyStore;
import io.tally.testkit.InMemoryLastUsedStore;
import io.tally.testkit.ManualClock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class TallyMetricsTest {
  private static final String REPLICA = "replica-a";
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

  @Test
  void lastUsedCountersGaugesAndFlushTimerHaveExactValues() {
    ManualClock clock = ManualClock.create();
    InMemoryLastUsedStore<UUID> memory = new InMemoryLastUsedStore<>();
    // Each store call takes 250 ms of the manual clock's time: the timer's exact total.
    LastUsedStore<UUID> slow =
        batch -> {
          clock.advance(Duration.ofMillis(250));
          memory.markUsed(batch);
        };
    FaultyStore<LastUsedStore<UUID>> faulty = FaultyStore.wrap(slow);
    TallyMetrics metrics = TallyMetrics.create(Tags.of("app", "billing"));
    LastUsedTracker<UUID> tracker =
        LastUsedTracker.builder(faulty.store())
            .flushInterval(Duration.ofMinutes(10))
            .healthPolicy(io.tally.core.HealthPolicy.of(1, Duration.ofHours(1)))
            .clock(clock)
            .flushListener(metrics)
            .build();
    metrics.monitor(REPLICA, List.of(tracker)).bindTo(registry);
    UUID a = UUID.randomUUID();
    UUID b = UUID.randomUUID();

    tracker.markUsed(a, clock.now());
    tracker.markUsed(b, clock.now());
    tracker.markUsed(a, clock.now().plusSeconds(1));
    assertThat(gauge("last-used", "pending")).isEqualTo(2);

    faulty.failNext(1);
    tracker.flush(); // fails at once: 0 ms
    assertThat(gauge("last-used", "health")).isEqualTo(1); // DEGRADED after 1 failure
    assertThat(gauge("last-used", "consecutive.failures")).isEqualTo(1);
    tracker.flush(); // writes both ids in 250 ms

    assertThat(counter("last-used", "accepted")).isEqualTo(3);
    assertThat(counter("last-used", "coalesced")).isEqualTo(1);
    assertThat(counter("last-used", "flushed.rows")).isEqualTo(2);
    assertThat(counter("last-used", "flushes")).isEqualTo(1);
    assertThat(counter("last-used", "flushes.failed")).isEqualTo(1);
    assertThat(counter("last-used", "retries")).isEqualTo(tracker.stats().retries());
    assertThat(counter("last-used", "callback.failures")).isEqualTo(0);
    assertThat(counter("last-used", "truncated")).isEqualTo(0);
    assertThat(gauge("last-used", "pending")).isEqualTo(0);
    assertThat(gauge("last-used", "health")).isEqualTo(0);
    assertThat(gauge("last-used", "consecutive.failures")).isEqualTo(0);
    Timer success = timer("last-used", "success");
    assertThat(success.count()).isEqualTo(1);
    assertThat(success.totalTime(TimeUnit.MILLISECONDS)).isEqualTo(250.0);
    Timer failed = timer("last-used", "failed");
    assertThat(failed.count()).isEqualTo(1);
    assertThat(failed.totalTime(TimeUnit.MILLISECONDS)).isEqualTo(0.0);
    assertThat(timer("last-used", "timed_out").count()).isZero();
    tracker.flush(); // nothing to write: not timed
    assertThat(success.count()).isEqualTo(1);
    for (String reason : TallyMetrics.standardReasons()) {
      assertThat(dropped("last-used", reason)).isZero();
    }
    assertThat(registry.get("tally.last-used.accepted").tag("app", "billing").functionCounter())
        .isNotNull();
    tracker.close();
  }

  @Test
  void droppedItemsAreCountedByReason_includingReasonsFirstSeenLater() {
    StubComponent stub = new StubComponent("connection-log");
    TallyMetrics metrics = TallyMetrics.create();
    stub.stats =
        ComponentStats.builder("connection-log")
            .accepted(10)
            .flushedRows(6)
            .dropped(DropReasons.REJECTED, 1)
            .dropped("custom_reason", 2)
            .pending(1)
            .build();
    metrics.monitor(REPLICA, List.of(stub)).bindTo(registry);

    assertThat(dropped("connection-log", DropReasons.REJECTED)).isEqualTo(1);
    assertThat(dropped("connection-log", "custom_reason")).isEqualTo(2);
    assertThat(dropped("connection-log", DropReasons.QUEUE_FULL)).isZero();
    assertThat(counter("connection-log", "accepted")).isEqualTo(10);
    assertThat(gauge("connection-log", "pending")).isEqualTo(1);

    stub.stats =
        ComponentStats.builder("connection-log")
            .accepted(10)
            .flushedRows(6)
            .dropped(DropReasons.REJECTED, 1)
            .dropped("custom_reason", 2)
            .dropped("later_reason", 1)
            .build();
    metrics.onFlush("connection-log", FlushResult.success(6, Duration.ofMillis(40)));

    assertThat(dropped("connection-log", "later_reason")).isEqualTo(1);
    assertThat(gauge("connection-log", "pending")).isEqualTo(0);
    assertThat(timer("connection-log", "success").totalTime(TimeUnit.MILLISECONDS)).isEqualTo(40.0);
    stub.health = Health.FAILING;
    assertThat(gauge("connection-log", "health")).isEqualTo(2);
  }

  @Test
  void aTallyIsWatchedWhole_andTwoInOneJvmKeepTheirMetersApart() {
    ManualClock clock = ManualClock.create();
    TallyMetrics first = TallyMetrics.create();
    TallyMetrics second = TallyMetrics.create();
    TallyConfig config = TallyConfig.from(Map.of("tally.store", "h2", "tally.backends", "db"));
    TallyConfig other = TallyConfig.from(Map.of("tally.store", "h2", "tally.backends", "db"));
    try (Tally one = Tally.start(config, TallyModule.flushListener(first), clockModule(clock));
        Tally two = Tally.start(other, TallyModule.flushListener(second), clockModule(clock))) {
      first.monitor(one).bindTo(registry);
      second.monitor(two).bindTo(registry);

      one.lastUsed().markUsed(UUID.randomUUID(), clock.now());
      one.lastUsed().flush();
      two.usageStats().track(UUID.randomUUID(), UUID.randomUUID(), 5, 1);
      two.usageStats().flush();

      String r1 = one.config().replicaId().toString();
      String r2 = two.config().replicaId().toString();
      for (String c : List.of("connection-log", "last-used", "usage-stats", "usage-reporter")) {
        assertThat(registry.get("tally." + c + ".accepted").tag("replica", r1).functionCounter())
            .isNotNull();
        assertThat(registry.get("tally." + c + ".health").tag("replica", r2).gauge()).isNotNull();
      }
      assertThat(counterOf("last-used", "flushed.rows", r1)).isEqualTo(1);
      assertThat(counterOf("last-used", "flushed.rows", r2)).isEqualTo(0);
      assertThat(counterOf("usage-stats", "accepted", r2)).isEqualTo(1);
      assertThat(counterOf("usage-stats", "accepted", r1)).isEqualTo(0);
      assertThat(timerOf("last-used", r1).count()).isEqualTo(1);
      assertThat(timerOf("last-used", r2).count()).isZero();
      assertThat(timerOf("usage-stats", r2).count()).isEqualTo(1);
    }
  }

  @Test
  void misuseFailsWithAMessage() {
    TallyMetrics metrics = TallyMetrics.create();
    assertThatThrownBy(() -> metrics.bindTo(registry))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("monitor(tally)");
    assertThatThrownBy(() -> TallyMetrics.create(Tags.of("replica", "x")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'replica'");
    metrics.monitor(REPLICA, List.of());
    assertThatThrownBy(() -> metrics.monitor(REPLICA, List.of()))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("one per Tally");
  }

  private static com.google.inject.Module clockModule(ManualClock clock) {
    return binder ->
        com.google.inject.multibindings.OptionalBinder.newOptionalBinder(
                binder, io.tally.core.Clock.class)
            .setBinding()
            .toInstance(clock);
  }

  private double counter(String component, String metric) {
    return counterOf(component, metric, REPLICA);
  }

  private double counterOf(String component, String metric, String replica) {
    FunctionCounter c =
        registry.get("tally." + component + "." + metric).tag("replica", replica).functionCounter();
    return c.count();
  }

  private double dropped(String component, String reason) {
    return registry
        .get("tally." + component + ".dropped")
        .tags("replica", REPLICA, "reason", reason)
        .functionCounter()
        .count();
  }

  private double gauge(String component, String metric) {
    Gauge g = registry.get("tally." + component + "." + metric).tag("replica", REPLICA).gauge();
    return g.value();
  }

  private Timer timer(String component, String outcome) {
    return registry
        .get("tally." + component + ".flush")
        .tags("replica", REPLICA, "outcome", outcome)
        .timer();
  }

  private Timer timerOf(String component, String replica) {
    MeterRegistry r = registry;
    return r.get("tally." + component + ".flush")
        .tags("replica", replica, "outcome", "success")
        .timer();
  }

  /** A component whose stats and health the test sets. */
  private static final class StubComponent implements TallyComponent {
    private final String name;
    volatile ComponentStats stats;
    volatile Health health = Health.HEALTHY;

    StubComponent(String name) {
      this.name = name;
      this.stats = ComponentStats.builder(name).build();
    }

    @Override
    public String name() {
      return name;
    }

    @Override
    public ComponentStats stats() {
      return stats;
    }

    @Override
    public Health health() {
      return health;
    }

    @Override
    public void close() {}
  }
}
