package io.tally.store.postgres;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.tally.core.usagestats.UsageStatsStore;
import io.tally.testkit.PostgresDatabase;
import io.tally.testkit.UsageStatsRaceContract;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The multi-replica usage-stats contract on a real PostgreSQL, through a HikariCP pool. */
class PostgresUsageStatsRaceTest extends UsageStatsRaceContract {
  @RegisterExtension static final PostgresDatabase pg = PostgresDatabase.create();

  private static final AtomicInteger PREFIXES = new AtomicInteger();

  private HikariDataSource dataSource;

  @Override
  protected UsageStatsStore createStore() {
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(pg.jdbcUrl());
    config.setUsername(pg.user());
    config.setPassword(pg.password());
    config.setMaximumPoolSize(REPLICAS + 2);
    dataSource = new HikariDataSource(config);
    PostgresUsageStatsStore store =
        new PostgresUsageStatsStore(
            dataSource, PostgresSchema.withTablePrefix("race" + PREFIXES.incrementAndGet() + "_"));
    store.migrate();
    return store;
  }

  @Override
  protected void closeStore() {
    dataSource.close();
  }
}
