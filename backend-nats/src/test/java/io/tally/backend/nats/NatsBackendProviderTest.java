package io.tally.backend.nats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tally.core.ComponentStats;
import io.tally.core.ConfigException;
import io.tally.core.Tally;
import io.tally.core.TallyConfig;
import io.tally.core.backend.Backend;
import io.tally.core.backend.FanOut;
import io.tally.core.connectionlog.ConnectionEvent;
import io.tally.core.spi.ProviderContext;
import io.tally.testkit.Await;
import io.tally.testkit.ConnectionLogRow;
import io.tally.testkit.ManualClock;
import io.tally.testkit.PostgresDatabase;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The {@code nats} backend started by {@code Tally.start} from configuration, relay included. */
class NatsBackendProviderTest {
  @RegisterExtension static final NatsServer nats = NatsServer.create();
  @RegisterExtension static final PostgresDatabase pg = PostgresDatabase.create();

  @Test
  void tallyStartsThePublisherAndTheRelayFromConfigurationAndCloseStopsBoth() {
    TallyConfig config =
        TallyConfig.builder()
            .jdbcUrl(pg.jdbcUrl())
            .jdbcUser(pg.user())
            .jdbcPassword(pg.password())
            .backends("nats")
            .set("tally.backend.nats.url", nats.url())
            .set("tally.backend.nats.relay.enabled", "true")
            .set("tally.backend.nats.relay.batch-size", "100")
            .set("tally.backend.nats.relay.flush-interval", "100ms")
            .set("tally.backend.nats.max-in-flight", "500")
            .build();
    List<ConnectionEvent> events = Fixtures.events(300, 21);
    NatsBackend backend;
    NatsRelay relay;
    try (Tally tally = Tally.start(config)) {
      backend = nats(tally.connectionLog());
      relay = backend.relay().orElseThrow();
      assertThat(backend.stream().name()).isEqualTo("TALLY_CONNECTION_LOG");
      assertThat(backend.stream().subject()).isEqualTo("tally_connection_log");
      assertThat(relay.durable()).isEqualTo("TALLY_CONNECTION_LOG_RELAY");
      events.forEach(tally.connectionLog()::write);
      Await.until(
          "every event relayed", Duration.ofSeconds(60), () -> relay.relayed() == events.size());
      assertThat(tally.stats())
          .anySatisfy(s -> assertThat(s.component()).isEqualTo(NatsBackend.DEFAULT_NAME));
      // the relay is a component of its own in Tally's stats, health and components
      assertThat(tally.components()).containsSubsequence(backend, relay);
      assertThat(tally.stats())
          .extracting(ComponentStats::component)
          .containsSubsequence(NatsBackend.DEFAULT_NAME, NatsRelay.DEFAULT_NAME, "last-used");
      ComponentStats relayed =
          tally.stats().stream()
              .filter(s -> s.component().equals(NatsRelay.DEFAULT_NAME))
              .findFirst()
              .orElseThrow();
      assertThat(relayed.flushedRows()).isEqualTo(relay.stats().flushedRows()).isPositive();
      assertThat(relayed.droppedTotal()).isZero();
    }
    assertThatThrownBy(() -> backend.write(events.get(0)))
        .isInstanceOf(IllegalStateException.class);
    assertThat(Fixtures.actual(ConnectionLogRow.readAll(pg.dataSource(), "tally_connection_log")))
        .isEqualTo(Fixtures.expected(events));
  }

  @Test
  void everyBadSettingIsReportedAtOnce() {
    TallyConfig config =
        TallyConfig.builder()
            .set("tally.backend.nats.url", nats.url())
            .set("tally.backend.nats.replicas", "7")
            .set("tally.backend.nats.write-timeout", "soon")
            .set("tally.backend.nats.subject", "a.*")
            .set("tally.backend.nats.relay.enabled", "yes")
            .build();
    assertThatThrownBy(
            () ->
                new NatsBackendProvider()
                    .create(ProviderContext.of(config, null, ManualClock.create())))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("tally.backend.nats.replicas was '7' but must be at most 5")
        .hasMessageContaining("tally.backend.nats.write-timeout was 'soon'")
        .hasMessageContaining("tally.backend.nats.subject")
        .hasMessageContaining(
            "tally.backend.nats.relay.enabled was 'yes' but must be true or false");
  }

  private static NatsBackend nats(Backend<ConnectionEvent> log) {
    for (Backend<ConnectionEvent> b : ((FanOut<ConnectionEvent>) log).backends()) {
      if (b instanceof NatsBackend) {
        return (NatsBackend) b;
      }
    }
    throw new AssertionError("no NatsBackend in " + log);
  }
}
