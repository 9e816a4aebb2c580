package io.tally.store.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tally.testkit.PostgresDatabase;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Every PostgreSQL store has create(DataSource[, schema]) and table(). */
class PostgresStoreFactoriesTest {
  @RegisterExtension static final PostgresDatabase pg = PostgresDatabase.create();

  @Test
  void everyStoreIsCreatedTheSameWayAndNamesItsTable() {
    DataSource ds = pg.dataSource();
    PostgresSchema acme = PostgresSchema.withTablePrefix("acme_");
    assertThat(PostgresLastUsedStore.create(ds, UUID.class).table()).isEqualTo("tally_last_used");
    assertThat(PostgresLastUsedStore.create(ds, UUID.class, acme).table())
        .isEqualTo("acme_last_used");
    assertThat(PostgresConnectionLogStore.create(ds).table()).isEqualTo("tally_connection_log");
    assertThat(PostgresConnectionLogStore.create(ds, acme).table())
        .isEqualTo("acme_connection_log");
    assertThat(PostgresUsageStatsStore.create(ds).table()).isEqualTo("tally_usage_stats");
    assertThat(PostgresUsageStatsStore.create(ds, acme).table()).isEqualTo("acme_usage_stats");

    PostgresLastUsedStore<UUID> lastUsed = PostgresLastUsedStore.create(ds, UUID.class, acme);
    assertThat(lastUsed.migrate()).containsExactly(1, 2, 3, 4, 5);
    lastUsed.markUsed(Map.of(new UUID(0, 1), Instant.parse("2026-01-01T00:00:00Z")));
    assertThat(PostgresUsageStatsStore.create(ds, acme).replicaUsage()).isEmpty();

    assertThatThrownBy(() -> PostgresConnectionLogStore.create(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("dataSource");
    assertThatThrownBy(() -> PostgresLastUsedStore.create(ds, Integer.class))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
