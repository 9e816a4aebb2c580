package io.tally.store.mariadb;

import io.tally.core.usagestats.UsageStatsStore;
import io.tally.jdbc.JdbcUsageStatsStore;
import javax.sql.DataSource;

/**
 * The {@link UsageStatsStore} on MariaDB/MySQL: {@link JdbcUsageStatsStore}'s algorithm over {@code
 * MariaDbDialect} (the lock row {@code <prefix>usage_stats_lock} selected {@code FOR UPDATE},
 * members as JDBC batches, the sequence row by {@code ON DUPLICATE KEY UPDATE}). Thread-safe.
 */
public final class MariaDbUsageStatsStore extends JdbcUsageStatsStore {
  /**
   * Creates the store.
   *
   * @param dataSource the database
   * @param schema names the tables
   * @throws NullPointerException if an argument is null
   */
  public MariaDbUsageStatsStore(DataSource dataSource, MariaDbSchema schema) {
    super(dataSource, MariaDbDialect.INSTANCE, schema);
  }

  /**
   * Creates the store on the default schema ({@link MariaDbSchema#defaults()}).
   *
   * @param dataSource the database
   * @return the store; call {@link #migrate()} once to create its tables
   * @throws NullPointerException if {@code dataSource} is null
   */
  public static MariaDbUsageStatsStore create(DataSource dataSource) {
    return new MariaDbUsageStatsStore(dataSource, MariaDbSchema.defaults());
  }
}
