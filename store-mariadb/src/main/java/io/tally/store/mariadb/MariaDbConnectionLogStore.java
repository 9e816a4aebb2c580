package io.tally.store.mariadb;

import io.tally.core.connectionlog.ConnectionLogStore;
import io.tally.jdbc.JdbcConnectionLogStore;
import javax.sql.DataSource;

/**
 * The {@link ConnectionLogStore} on MariaDB/MySQL: {@link JdbcConnectionLogStore}'s algorithm over
 * {@code MariaDbDialect} (two JDBC batches of {@code INSERT … ON DUPLICATE KEY UPDATE}, the
 * connection key on the SHA-256 of the agent name; retention by {@code DELETE … ORDER BY
 * connect_time LIMIT ?}; the retention lock by {@code GET_LOCK}). Thread-safe.
 */
public final class MariaDbConnectionLogStore extends JdbcConnectionLogStore {
  /**
   * Creates the store.
   *
   * @param dataSource the database
   * @param schema names the table
   * @throws NullPointerException if an argument is null
   */
  public MariaDbConnectionLogStore(DataSource dataSource, MariaDbSchema schema) {
    super(dataSource, MariaDbDialect.INSTANCE, schema);
  }

  /**
   * Creates the store on the default schema ({@link MariaDbSchema#defaults()}).
   *
   * @param dataSource the database
   * @return the store; call {@link #migrate()} once to create its tables
   * @throws NullPointerException if {@code dataSource} is null
   */
  public static MariaDbConnectionLogStore create(DataSource dataSource) {
    return new MariaDbConnectionLogStore(dataSource, MariaDbSchema.defaults());
  }
}
