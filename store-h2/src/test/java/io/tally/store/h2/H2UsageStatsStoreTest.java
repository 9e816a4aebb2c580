package io.tally.store.h2;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tally.core.StoreException;
import io.tally.core.usagestats.UsageStatsStore;
import io.tally.testkit.UsageStatsStoreContract;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class H2UsageStatsStoreTest extends UsageStatsStoreContract {
  private static final AtomicInteger DATABASES = new AtomicInteger();

  private JdbcDataSource dataSource;
  private H2UsageStatsStore h2;

  @Override
  protected UsageStatsStore newStore() {
    dataSource = new JdbcDataSource();
    dataSource.setURL(
        "jdbc:h2:mem:usage_stats_" + DATABASES.incrementAndGet() + ";DB_CLOSE_DELAY=-1");
    h2 = new H2UsageStatsStore(dataSource, H2Schema.withTablePrefix("t_"));
    assertThat(h2.migrate()).contains(3);
    return h2;
  }

  @AfterEach
  void dropDatabase() throws SQLException {
    try (Connection c = dataSource.getConnection();
        Statement s = c.createStatement()) {
      s.execute("SHUTDOWN");
    }
  }

  @Test
  void migrateIsIdempotent() {
    assertThat(h2.migrate()).isEmpty();
  }

  @Test
  void storeWithoutTablesFailsWithAStoreException() {
    H2UsageStatsStore unmigrated = new H2UsageStatsStore(dataSource, H2Schema.withTablePrefix("none_"));

    assertThatThrownBy(unmigrated::replicaUsage)
        .isInstanceOf(StoreException.class)
        .hasMessageStartingWith("reading usage stats from table none_usage_stats failed (SQLState ");
  }
}
