package io.tally.store.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tally.core.StoreException;
import io.tally.core.usagestats.UsageFlush;
import io.tally.core.usagestats.UsageStatsStore;
import io.tally.testkit.PostgresDatabase;
import io.tally.testkit.UsageStatsStoreContract;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class PostgresUsageStatsStoreTest extends UsageStatsStoreContract {
  @RegisterExtension static final PostgresDatabase pg = PostgresDatabase.create();

  private static final AtomicInteger PREFIXES = new AtomicInteger();

  private PostgresUsageStatsStore postgres;

  @Override
  protected UsageStatsStore newStore() {
    postgres =
        new PostgresUsageStatsStore(
            pg.dataSource(), PostgresSchema.withTablePrefix("c" + PREFIXES.incrementAndGet() + "_"));
    assertThat(postgres.migrate()).contains(3);
    return postgres;
  }

  @Test
  void migrateIsIdempotent() {
    assertThat(postgres.migrate()).isEmpty();
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
