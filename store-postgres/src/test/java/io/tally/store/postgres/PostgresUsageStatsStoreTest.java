package io.tally.store.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tally.core.StoreException;
import io.tally.core.usagestats.UsageFlush;
import io.tally.jdbc.JdbcUsageStatsStore;
import io.tally.testkit.JdbcUsageStatsStoreContract;
import io.tally.testkit.PostgresDatabase;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class PostgresUsageStatsStoreTest extends JdbcUsageStatsStoreContract {
  @RegisterExtension static final PostgresDatabase pg = PostgresDatabase.create();

  @Override
  protected JdbcUsageStatsStore buildStore(String tablePrefix) {
    return new PostgresUsageStatsStore(
        pg.dataSource(), PostgresSchema.withTablePrefix(tablePrefix));
  }

  @Override
  protected void assertFirstMigration(List<Integer> applied) {
    assertThat(applied).contains(3);
  }

  @Test
  void storeWithoutTablesFailsWithAStoreExceptionNamingTheReplica() {
    PostgresUsageStatsStore unmigrated =
        new PostgresUsageStatsStore(pg.dataSource(), PostgresSchema.withTablePrefix("none_"));
    UUID replica = UUID.randomUUID();
    UsageFlush flush =
        new UsageFlush(replica, UUID.randomUUID(), 1, Set.of(), Set.of(), 0, 0, 1, 0, T0);

    assertThatThrownBy(() -> unmigrated.flush(flush))
        .isInstanceOf(StoreException.class)
        .hasMessageContaining(replica.toString());
  }
}
