package io.tally.jdbc;

import io.tally.core.StoreException;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import javax.sql.DataSource;

/**
 * What one database does differently under Tally's JDBC store algorithms ({@link
 * * JdbcLastUsedStore}, {@code JdbcUsageStatsStore}, {@code JdbcConnectionLogStore}): the
 * statements, how a batch of rows is bound (array parameters, a JDBC batch, COPY), the lock, and
 * the classification of a failure. The algorithms are written once; a new database costs a
 * subclass of this and its SQL files, as Quartz's {@code StdJDBCDelegate} has a small delegate per
 * database.
 *
 * <p>The default methods suit a database that follows the SQL standard and SQLState classes;
 * subclasses override what differs. Implementations are stateless and thread-safe.
 */
public abstract class SqlDialect {
  /** For subclasses. */
  protected SqlDialect() {}

  /**
   * Returns the database's name, for messages and {@code toString()}.
   *
   * @return e.g. {@code "PostgreSQL"}
   */
  public abstract String name();

  /**
   * Runs one write in one transaction. The default borrows a connection and uses {@link
   * Transactions#inTransaction(Connection, Transactions.Work)}; a dialect may add a lock or
   * retries around it (H2 serialises writers of a table in the JVM and retries conflicts).
   *
   * @param dataSource where to connect
   * @param table the table written, for such a lock
   * @param work the write
   * @throws SQLException if it fails
   */
  public void write(DataSource dataSource, String table, Transactions.Work<?> work)
      throws SQLException {
    Transactions.inTransaction(dataSource, work);
  }

  /**
   * Classifies a failure: see {@link SqlStates#storeException(String, SQLException)}, which the
   * default uses.
   *
   * @param what what was being done, e.g. {@code "marking 3 ids used in table tally_last_used"}
   * @param failure what the driver threw
   * @return the store exception to throw, transient or not
   */
  public StoreException storeException(String what, SQLException failure) {
    return SqlStates.storeException(what, failure);
  }

  // ---- last used ----

  /**
   * Returns the statement that upserts into Tally's own last-used table ({@code id} text, {@code
   * last_used_at}), raising a stored time only.
   *
   * @param table the table, prefixed
   * @return the statement, as {@link #markUsed} binds it
   */
  public abstract String lastUsedUpsert(String table);

  /**
   * Returns the statement that raises the time column of an existing table's rows.
   *
   * @param table the user's table
   * @param idColumn its id column
   * @param timeColumn its time column ({@code NULL} counts as never used)
   * @param keyType the ids' type
   * @return the statement, as {@link #markUsed} binds it
   */
  public abstract String lastUsedUpdate(
      String table, String idColumn, String timeColumn, KeyType keyType);

  /**
   * Binds and runs a last-used statement of this dialect for a batch of rows.
   *
   * @param c the transaction's connection
   * @param sql what {@link #lastUsedUpsert} or {@link #lastUsedUpdate} returned
   * @param keyType the type of {@code ids}; {@code null} when the ids are text (Tally's own table)
   * @param ids the ids, sorted
   * @param times the times, truncated to microseconds, one per id
   * @throws SQLException if the statement fails
   */
  public abstract void markUsed(
      Connection c, String sql, KeyType keyType, List<Object> ids, List<Instant> times)
      throws SQLException;
}
