package io.tally.jdbc;

import io.tally.core.StoreException;
import io.tally.core.connectionlog.ConnectionEvent;
import io.tally.core.connectionlog.ConnectionLogStore;
import io.tally.core.usagestats.FlushOutcome;
import io.tally.core.usagestats.UsageFlush;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * What one database does differently under Tally's JDBC store algorithms ({@link
 * JdbcLastUsedStore}, {@link JdbcUsageStatsStore}, {@link JdbcConnectionLogStore}): the statements,
 * how a batch of rows is bound (array parameters, a JDBC batch, COPY), the lock, and the
 * classification of a failure. The algorithms are written once; a new database costs a subclass of
 * this and its SQL files, as Quartz's {@code StdJDBCDelegate} has a small delegate per database.
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
   * Transactions#inTransaction(Connection, Transactions.Work)}; a dialect may add a lock or retries
   * around it (H2 serialises writers of a table in the JVM and retries conflicts).
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
      Connection c, String sql, @Nullable KeyType keyType, List<Object> ids, List<Instant> times)
      throws SQLException;

  // ---- values ----

  /**
   * Returns a time as this database's driver takes it as a parameter. The default is an {@link
   * OffsetDateTime} in UTC.
   *
   * @param instant the time
   * @return the parameter value
   */
  public Object time(Instant instant) {
    return OffsetDateTime.ofInstant(instant, ZoneOffset.UTC);
  }

  /**
   * Reads a time written with {@link #time(Instant)}.
   *
   * @param rs the result set
   * @param column the column, from 1
   * @return the time
   * @throws SQLException if it cannot be read
   */
  public Instant readTime(ResultSet rs, int column) throws SQLException {
    return rs.getObject(column, OffsetDateTime.class).toInstant();
  }

  /**
   * Returns a UUID as this database's driver takes it as a parameter; the default is the UUID.
   *
   * @param id the UUID
   * @return the parameter value
   */
  public Object uuid(UUID id) {
    return id;
  }

  /**
   * Reads a UUID written with {@link #uuid(UUID)}.
   *
   * @param rs the result set
   * @param column the column, from 1
   * @return the UUID, or null when the column is SQL {@code NULL}
   * @throws SQLException if it cannot be read
   */
  public @Nullable UUID readUuid(ResultSet rs, int column) throws SQLException {
    return rs.getObject(column, UUID.class);
  }

  // ---- usage stats ----

  /**
   * Takes the usage-stats lock until the end of the transaction on {@code c}: every flush and
   * collection of one set of tables holds it, so they apply one at a time across replicas. The
   * default selects the one row of {@link UsageStatsTables#lock()} {@code FOR UPDATE}.
   *
   * @param c the transaction's connection
   * @param tables the store's tables
   * @throws SQLException if it cannot be taken, or the lock row is missing
   */
  public void lockUsageStats(Connection c, UsageStatsTables tables) throws SQLException {
    try (PreparedStatement ps =
            c.prepareStatement("SELECT id FROM " + tables.lock() + " WHERE id = 1 FOR UPDATE");
        ResultSet rs = ps.executeQuery()) {
      if (!rs.next()) {
        throw new SQLException(
            "the lock row of " + tables.lock() + " is missing; was migrate() run?");
      }
    }
  }

  /**
   * Runs a whole flush the database's faster way, or returns {@code null} to let the store run its
   * steps (lock, sequence probe, replica row, members, sequence row). Called first in the flush's
   * transaction. The default returns {@code null}.
   *
   * @param c the transaction's connection
   * @param tables the store's tables
   * @param flush the flush
   * @return the outcome, or {@code null}
   * @throws SQLException if the flush fails
   */
  public @Nullable FlushOutcome flushUsageStats(
      Connection c, UsageStatsTables tables, UsageFlush flush) throws SQLException {
    return null;
  }

  /**
   * Returns the statement that adds one member, run as a JDBC batch: parameters replica, kind,
   * member. It must leave a member already there as it is. The default is a plain {@code INSERT}
   * (for a members table without a key).
   *
   * @param members the members table
   * @return the statement
   */
  public String usageMemberInsert(String members) {
    return "INSERT INTO " + members + " (replica_id, kind, member_id) VALUES (?, ?, ?)";
  }

  /**
   * Returns the statement that writes a replica's sequence row, inserting or replacing it:
   * parameters replica, session, sequence, whether the flush inserted the replica row, time.
   *
   * @param sequence the sequence table
   * @return the statement
   */
  public abstract String usageSequenceUpsert(String sequence);

  /**
   * Returns the query counting distinct members per kind: rows (kind, count). The default uses
   * {@code COUNT(DISTINCT member_id)}.
   *
   * @param members the members table
   * @return the query
   */
  public String usageDistinctMembers(String members) {
    return "SELECT kind, COUNT(DISTINCT member_id) FROM " + members + " GROUP BY kind";
  }

  /**
   * Empties the members table in the collection's transaction. The default is {@code DELETE}.
   *
   * @param c the transaction's connection
   * @param members the members table
   * @throws SQLException if it fails
   */
  public void emptyUsageMembers(Connection c, String members) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + members)) {
      ps.executeUpdate();
    }
  }

  // ---- connection log ----

  /**
   * Writes a batch of connection-log rows in the transaction on {@code c}: rows with a connection
   * id upserted on {@code (connection_id, workspace_id, agent_name)} with the rules of {@link
   * ConnectionLogStore}, rows without one inserted unless their {@code id} is there.
   *
   * @param c the transaction's connection
   * @param table the connection-log table
   * @param rows the rows, coalesced and in lock order
   * @throws SQLException if the write fails
   */
  public abstract void upsertConnectionLog(Connection c, String table, List<ConnectionEvent> rows)
      throws SQLException;

  /**
   * Deletes at most {@code limit} of the oldest rows connected before {@code before}, in the
   * transaction on {@code c}.
   *
   * @param c the transaction's connection
   * @param table the connection-log table
   * @param before the cutoff, whole microseconds
   * @param limit the most rows to delete
   * @return the rows deleted
   * @throws SQLException if the delete fails
   */
  public abstract int deleteConnectionLog(Connection c, String table, Instant before, int limit)
      throws SQLException;

  /**
   * Tries to take the retention lock of {@code table}: see {@link
   * ConnectionLogStore#tryLockRetention()}.
   *
   * @param dataSource the database
   * @param table the connection-log table
   * @return the held lock, or empty if another run holds it
   * @throws SQLException if the database cannot be asked
   */
  public abstract Optional<ConnectionLogStore.RetentionLock> tryLockRetention(
      DataSource dataSource, String table) throws SQLException;

  /**
   * Binds a connection-log row to parameters 1 to 16 in the column order {@code id, connect_time,
   * organization_id, workspace_owner_id, workspace_id, workspace_name, agent_name, type, code, ip,
   * user_agent, user_id, slug_or_port, connection_id, disconnect_time, disconnect_reason}, times
   * truncated to microseconds in Java (a server would round nanoseconds, possibly up) and bound
   * with {@link #time(Instant)}, UUIDs with {@link #uuid(UUID)}.
   *
   * @param ps the statement
   * @param e the row
   * @throws SQLException if a parameter cannot be set
   */
  protected void bindConnectionLogRow(PreparedStatement ps, ConnectionEvent e) throws SQLException {
    ps.setObject(1, uuid(e.id()));
    ps.setObject(2, time(e.connectTime().truncatedTo(ChronoUnit.MICROS)));
    ps.setObject(3, uuid(e.organizationId()));
    ps.setObject(4, uuid(e.workspaceOwnerId()));
    ps.setObject(5, uuid(e.workspaceId()));
    ps.setString(6, e.workspaceName());
    ps.setString(7, e.agentName());
    ps.setString(8, e.typeName());
    if (e.code() == null) {
      ps.setNull(9, Types.INTEGER);
    } else {
      ps.setInt(9, e.code());
    }
    ps.setString(10, e.ip());
    ps.setString(11, e.userAgent());
    ps.setObject(12, e.userId() == null ? null : uuid(e.userId()));
    ps.setString(13, e.slugOrPort());
    ps.setObject(14, e.connectionId() == null ? null : uuid(e.connectionId()));
    Instant disconnect = e.disconnectTime();
    ps.setObject(15, disconnect == null ? null : time(disconnect.truncatedTo(ChronoUnit.MICROS)));
    ps.setString(16, e.disconnectReason());
  }

  /**
   * Adds each row to one of two JDBC batches, rows with a connection id to {@code keyed}, the
   * others to {@code keyless} (bound with {@link #bindConnectionLogRow}), and runs each batch that
   * holds a row.
   *
   * @param keyed the upsert on the connection key
   * @param keyless the insert-once on the id
   * @param rows the rows
   * @throws SQLException if a batch fails
   */
  protected void batchConnectionLog(
      PreparedStatement keyed, PreparedStatement keyless, List<ConnectionEvent> rows)
      throws SQLException {
    int nKeyed = 0;
    int nKeyless = 0;
    for (ConnectionEvent e : rows) {
      if (e.connectionId() != null) {
        bindConnectionLogRow(keyed, e);
        keyed.addBatch();
        nKeyed++;
      } else {
        bindConnectionLogRow(keyless, e);
        keyless.addBatch();
        nKeyless++;
      }
    }
    if (nKeyed > 0) {
      keyed.executeBatch();
    }
    if (nKeyless > 0) {
      keyless.executeBatch();
    }
  }
}
