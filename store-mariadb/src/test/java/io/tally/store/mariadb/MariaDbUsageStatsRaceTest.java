package io.tally.store.mariadb;

import io.tally.core.usagestats.UsageStatsStore;
import io.tally.testkit.MariaDbDatabase;
import io.tally.testkit.UsageStatsRaceContract;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The multi-replica usage-stats contract on a real MariaDB. */
class MariaDbUsageStatsRaceTest extends UsageStatsRaceContract {
  @RegisterExtension static final MariaDbDatabase db = MariaDbDatabase.create();

  private static final AtomicInteger PREFIXES = new AtomicInteger();

  @Override
  protected UsageStatsStore createStore() {
    MariaDbUsageStatsStore store =
        new MariaDbUsageStatsStore(
            db.dataSource(),
            MariaDbSchema.withTablePrefix("race" + PREFIXES.incrementAndGet() + "_"));
    store.migrate();
    return store;
  }
}
