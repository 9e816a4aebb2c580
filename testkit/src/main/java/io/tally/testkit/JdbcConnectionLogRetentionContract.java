package io.tally.testkit;

import java.time.Instant;
import javax.sql.DataSource;

/**
 * {@link ConnectionLogRetentionContract} for a JDBC store: emptying and counting the connection-log
 * table are written once here, in plain SQL; a database adds its data source, its table and the one
 * statement that generates sessions in bulk:
 *
 * <pre>{@code
 * class MyDbRetentionTest extends JdbcConnectionLogRetentionContract {
 *   @Override protected DataSource dataSource() { return db.dataSource(); }
 *   @Override protected ConnectionLogStore newStore() { ... migrated store ... }
 *   @Override protected String table() { return "tally_connection_log"; }
 *   @Override protected void insertSessions(int count, Instant first, Duration step) {
 *     sql().update(
 *         insertSessionsInto() + " SELECT ... generate_series(0, ? - 1) ...", count, first);
 *   }
 * }
 * }</pre>
 */
public abstract class JdbcConnectionLogRetentionContract extends ConnectionLogRetentionContract {
  /**
   * The columns {@link #insertSessions(int, Instant, java.time.Duration)} fills, in the order its
   * {@code SELECT} gives them: {@value}.
   */
  protected static final String SESSION_COLUMNS =
      "id, connect_time, organization_id, workspace_owner_id, workspace_id, workspace_name,"
          + " agent_name, type, connection_id, disconnect_time";

  /** Creates the contract. */
  protected JdbcConnectionLogRetentionContract() {}

  /**
   * Returns the database of the stores from {@link #newStore()}.
   *
   * @return the data source
   */
  protected abstract DataSource dataSource();

  /**
   * Returns the connection-log table the stores from {@link #newStore()} write.
   *
   * @return the table
   */
  protected abstract String table();

  /**
   * Returns how the table's {@code connect_time} maps to {@link Instant}. By default {@link
   * SqlRunner.Timestamps#WITH_TIME_ZONE}.
   *
   * @return the mapping
   */
  protected SqlRunner.Timestamps timestamps() {
    return SqlRunner.Timestamps.WITH_TIME_ZONE;
  }

  /**
   * Returns the SQL runner of {@link #dataSource()} with {@link #timestamps()}, for {@link
   * #insertSessions(int, Instant, java.time.Duration)}: an {@link Instant} parameter is bound as
   * the column's type.
   *
   * @return a runner for fixture SQL
   */
  protected final SqlRunner sql() {
    return SqlRunner.on(dataSource(), timestamps());
  }

  /**
   * Returns the start of the statement of {@link #insertSessions(int, Instant,
   * java.time.Duration)}: {@code INSERT INTO <table> (<SESSION_COLUMNS>)}, for a {@code SELECT}
   * that generates the rows to follow.
   *
   * @return the {@code INSERT INTO} clause
   */
  protected final String insertSessionsInto() {
    return "INSERT INTO " + table() + " (" + SESSION_COLUMNS + ")";
  }

  /** Builds a store (which migrates the table), then deletes every row. */
  @Override
  protected void emptyTable() {
    newStore();
    sql().update("DELETE FROM " + table());
  }

  /**
   * Counts the table's rows.
   *
   * @return {@code SELECT count(*)} of {@link #table()}
   */
  @Override
  protected long countRows() {
    return sql().queryLong("SELECT count(*) FROM " + table());
  }

  @Override
  protected long countConnectedSince(Instant cutoff) {
    return sql().queryLong("SELECT count(*) FROM " + table() + " WHERE connect_time >= ?", cutoff);
  }
}
