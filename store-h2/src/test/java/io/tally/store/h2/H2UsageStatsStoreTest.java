package io.tally.store.h2;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tally.core.StoreException;
import io.tally.jdbc.JdbcUsageStatsStore;
import io.tally.testkit.JdbcUsageStatsStoreContract;
import io.tally.testkit.SqlRunner;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class H2UsageStatsStoreTest extends JdbcUsageStatsStoreContract {
  private static final AtomicInteger DATABASES = new AtomicInteger();

  private JdbcDataSource dataSource;

  @Override
  protected JdbcUsageStatsStore buildStore(String tablePrefix) {
    dataSource = new JdbcDataSource();
    dataSource.setURL(
        "jdbc:h2:mem:usage_stats_" + DATABASES.incrementAndGet() + ";DB_CLOSE_DELAY=-1");
    return new H2UsageStatsStore(dataSource, H2Schema.withTablePrefix(tablePrefix));
  }

  @Override
  protected void assertFirstMigration(List<Integer> applied) {
    assertThat(applied).contains(3);
  }

  @AfterEach
  void dropDatabase() {
    SqlRunner.on(dataSource).execute("SHUTDOWN");
  }

  @Test
  void storeWithoutTablesFailsWithAStoreException() {
    H2UsageStatsStore unmigrated =
        new H2UsageStatsStore(dataSource, H2Schema.withTablePrefix("none_"));

    assertThatThrownBy(unmigrated::replicaUsage)
        .isInstanceOf(StoreException.class)
        .hasMessageStartingWith(
            "reading usage stats from table none_usage_stats failed (SQLState ");
  }
}
