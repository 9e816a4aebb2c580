package io.tally.store.postgres;

import io.tally.core.connectionlog.ConnectionEvents;
import io.tally.core.connectionlog.ConnectionLogStore;
import io.tally.jdbc.JdbcConnectionLogStore;
import java.time.Instant;
import java.util.List;
import javax.sql.DataSource;

/**
 * The {@link ConnectionLogStore} on PostgreSQL: table {@code <prefix>connection_log}.
 *
 * <p>A batch is <b>one statement</b>: each column travels as one array parameter and is {@code
 * unnest}ed; two data-modifying CTEs insert the rows. Events with a connection id go through {@code
 * INSERT … ON CONFLICT (connection_id, workspace_id, agent_name) WHERE connection_id IS NOT NULL DO
 * UPDATE} with the upsert rules of {@link ConnectionLogStore} ({@code LEAST} for the connect time;
 * the disconnect time, reason and code only when the incoming disconnect fills in or is later; rows
 * that would not change are not touched). Events without a connection id go through {@code ON
 * CONFLICT (id) DO NOTHING}, so a retried batch inserts nothing twice. Events of one row are merged
 * first ({@link ConnectionEvents#coalesceForStore(List)}), because {@code ON CONFLICT} cannot touch
 * a row twice in one statement. Rows are sent in one order (connection key, then id), so concurrent
 * batches from several replicas lock the rows they share in the same order and cannot deadlock.
 * With auto-commit off the statement is committed, or rolled back on failure, so a pooled
 * connection never goes back in an aborted transaction. Unnest was measured against COPY into a
 * staging table; see {@code docs/benchmarks.md}.
 *
 * <p>Retention: {@link #deleteOlderThan(Instant, int)} is one statement, {@code DELETE … WHERE id =
 * ANY (ARRAY (SELECT id … WHERE connect_time < ? ORDER BY connect_time LIMIT ? FOR UPDATE SKIP
 * LOCKED))}: the inner select walks the {@code connect_time} index from the oldest row, and skips
 * rows a concurrent upsert has locked (they are deleted by a later batch), so the delete never
 * waits on a writer and a writer waits at most for one batch. The retention lock is a session-level
 * advisory lock, {@code pg_try_advisory_lock(int, int)} with the class {@code 0x74616c72} ("talr")
 * and the hash of the schema-qualified table, held on a connection of its own for the run and
 * released by {@code pg_advisory_unlock} (or by the server when that connection ends). Thread-safe.
 */
public final class PostgresConnectionLogStore extends JdbcConnectionLogStore {
  /**
   * Creates the store on the default schema ({@link PostgresSchema#defaults()}).
   *
   * @param dataSource the database
   */
  public PostgresConnectionLogStore(DataSource dataSource) {
    this(dataSource, PostgresSchema.defaults());
  }

  /**
   * Creates the store.
   *
   * @param dataSource the database
   * @param schema names the table
   */
  public PostgresConnectionLogStore(DataSource dataSource, PostgresSchema schema) {
    super(dataSource, PostgresDialect.INSTANCE, schema);
  }

  /** The bounded delete of retention (for tests). */
  static String deleteSql(String table) {
    return PostgresConnectionLogSql.deleteSql(table);
  }

  /**
   * Creates the store on the default schema ({@link PostgresSchema#defaults()}); the same as the
   * one-argument constructor, in the {@code create} form every Tally store offers.
   *
   * @param dataSource the database
   * @return the store; call {@link #migrate()} once to create its tables
   * @throws NullPointerException if {@code dataSource} is null
   */
  public static PostgresConnectionLogStore create(DataSource dataSource) {
    return new PostgresConnectionLogStore(dataSource);
  }

  /**
   * Creates the store on {@code schema}, which names its table.
   *
   * @param dataSource the database
   * @param schema names the table
   * @return the store; call {@link #migrate()} once to create its tables
   * @throws NullPointerException if an argument is null
   */
  public static PostgresConnectionLogStore create(DataSource dataSource, PostgresSchema schema) {
    return new PostgresConnectionLogStore(dataSource, schema);
  }
}
