package io.tally.examples.wiring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.tally.core.ComponentStats;
import io.tally.core.ConfigException;
import io.tally.core.StoreException;
import io.tally.core.Tally;
import io.tally.core.TallyConfig;
import io.tally.core.TallyModule;
import io.tally.core.spi.BackendProvider;
import io.tally.core.spi.ProviderLoader;
import io.tally.core.spi.StoreProvider;
import io.tally.core.spi.TrackerProvider;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The built-in providers, found from the class path (this module depends on every one). */
class DiscoveryTest {
  private final ProviderLoader loader = ProviderLoader.serviceLoader();

  @Test
  void everyStoreAndBackendOnTheClassPathIsFound() {
    assertThat(loader.load(StoreProvider.class))
        .extracting(StoreProvider::name)
        .containsExactlyInAnyOrder("h2", "postgres", "mariadb");
    assertThat(loader.load(BackendProvider.class))
        .extracting(BackendProvider::name)
        .containsExactlyInAnyOrder("db", "slog", "jsonl", "nats");
    assertThat(loader.load(TrackerProvider.class)).isEmpty();
  }

  @Test
  void unknownNamesListTheNamesFoundOnTheClassPath() {
    TallyConfig config =
        TallyConfig.builder().store("mysql").backends("db", "kafka", "slog").build();

    ConfigException e =
        catchThrowableOfType(ConfigException.class, () -> TallyModule.create(config));

    assertThat(e.problems())
        .containsExactly(
            "tally.store names 'mysql' but no StoreProvider has that name; found: h2, mariadb, postgres",
            "tally.backends names 'kafka' but no BackendProvider has that name; found: db, jsonl, nats, slog");
  }

  @Test
  void postgresWithoutAUrlOrDataSourceFailsToStart() {
    TallyConfig config = TallyConfig.builder().store("postgres").build();

    ConfigException e = catchThrowableOfType(ConfigException.class, () -> Tally.start(config));

    assertThat(e.problems())
        .containsExactly(
            "tally.jdbc.url is required by the postgres store"
                + " (or pass a DataSource: new PostgresStoreProvider(dataSource))");
  }

  @Test
  void anUnreachableDatabaseFailsTheStartWithoutShowingThePassword() {
    TallyConfig config =
        TallyConfig.builder()
            .store("postgres")
            .jdbcUrl("jdbc:postgresql://127.0.0.1:1/nowhere?connectTimeout=2")
            .jdbcUser("app")
            .jdbcPassword("secret-password")
            .build();

    StoreException e = catchThrowableOfType(StoreException.class, () -> Tally.start(config));

    assertThat(e).hasMessage("cannot open the PostgreSQL pool (see tally.jdbc.*)");
    assertThat(e.getCause()).isNotNull();
    assertThat(String.valueOf(e.getCause().getMessage())).doesNotContain("secret-password");
  }

  @Test
  void defaultsStartOnAPrivateInMemoryH2Database() {
    UUID workspace = UUID.fromString("7a3c0000-0000-4000-8000-000000000099");
    Tally tally = Tally.start(TallyConfig.builder().build());
    tally.lastUsed().markUsed(workspace);
    tally.close();

    assertThat(tally.stats())
        .filteredOn(s -> s.component().equals("last-used"))
        .extracting(ComponentStats::flushedRows)
        .containsExactly(1L);
  }
}
