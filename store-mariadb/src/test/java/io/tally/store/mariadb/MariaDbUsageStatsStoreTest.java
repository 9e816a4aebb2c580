package io.tally.store.mariadb;

import static org.assertj.core.api.Assertions.assertThat;

import io.tally.core.usagestats.UsageStatsStore;
import io.tally.testkit.MariaDbDatabase;
import io.tally.testkit.UsageStatsStoreContract;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** MariaDB passes the usage-stats store contract. */
class MariaDbUsageStatsStoreTest extends UsageStatsStoreContract {
  @RegisterExtension static final MariaDbDatabase db = MariaDbDatabase.create();

  private static final AtomicInteger PREFIXES = new AtomicInteger();

  private MariaDbUsageStatsStore store;

  @Override
  protected UsageStatsStore newStore() {
    store =
        new MariaDbUsageStatsStore(
            db.dataSource(), MariaDbSchema.withTablePrefix("c" + PREFIXES.incrementAndGet() + "_"));
    assertThat(store.migrate()).containsExactly(1, 2, 3, 4);
    return store;
  }

  @Test
  void migrateIsIdempotent() {
    assertThat(store.migrate()).isEmpty();
  }
}
