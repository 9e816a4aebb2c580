package io.tally.store.h2;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;

/** Every H2 store has create(DataSource[, schema]) and table(). */
class H2StoreFactoriesTest {
  private static JdbcDataSource h2() {
    JdbcDataSource ds = new JdbcDataSource();
    ds.setURL("jdbc:h2:mem:factories-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
    return ds;
  }

  @Test
  void everyStoreIsCreatedTheSameWayAndNamesItsTable() {
    JdbcDataSource ds = h2();
    H2Schema acme = H2Schema.withTablePrefix("acme_");
    assertThat(H2LastUsedStore.create(ds, UUID.class).table()).isEqualTo("tally_last_used");
    assertThat(H2LastUsedStore.create(ds, UUID.class, acme).table()).isEqualTo("acme_last_used");
    assertThat(H2ConnectionLogStore.create(ds).table()).isEqualTo("tally_connection_log");
    assertThat(H2ConnectionLogStore.create(ds, acme).table()).isEqualTo("acme_connection_log");
    assertThat(H2UsageStatsStore.create(ds).table()).isEqualTo("tally_usage_stats");
    assertThat(H2UsageStatsStore.create(ds, acme).table()).isEqualTo("acme_usage_stats");

    H2LastUsedStore<UUID> lastUsed = H2LastUsedStore.create(ds, UUID.class, acme);
    assertThat(lastUsed.migrate()).containsExactly(1, 2, 3, 4);
    lastUsed.markUsed(Map.of(new UUID(0, 1), Instant.parse("2026-01-01T00:00:00Z")));
    assertThat(H2UsageStatsStore.create(ds, acme).replicaUsage()).isEmpty();

    assertThatThrownBy(() -> H2ConnectionLogStore.create(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("dataSource");
    assertThatThrownBy(() -> H2LastUsedStore.create(ds, Integer.class))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
