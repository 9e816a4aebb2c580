package io.tally.jdbc;

import io.tally.core.connectionlog.ConnectionEvent;
import io.tally.core.connectionlog.ConnectionEvents;
import io.tally.core.connectionlog.ConnectionLogStore;
import io.tally.core.spi.RetentionSupport;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * The {@link ConnectionLogStore} algorithm written once over a {@link SqlDialect}: table {@code
 * <prefix>connection_log}.
 *
 * <p>An upsert merges the events of one row first ({@link ConnectionEvents#coalesceForStore}),
 * sends rows in one order (connection key, then id; {@link ConnectionEvents#rowOrder()}) so that
 * concurrent batches from several replicas lock the rows they share in the same order and cannot
 * deadlock, and writes them in one transaction the dialect's way ({@link
 * SqlDialect#upsertConnectionLog}): rows with a connection id upserted on {@code (connection_id,
 * workspace_id, agent_name)} with the rules of {@link ConnectionLogStore}, rows without one
 * inserted once on {@code id}, so a retried batch is harmless. Retention deletes at most {@code
 * limit} of the oldest rows in a transaction of its own ({@link SqlDialect#deleteConnectionLog});
 * the retention lock is the dialect's ({@link SqlDialect#tryLockRetention}). Failures are
 * classified by the dialect. Thread-safe.
 */
public class JdbcConnectionLogStore implements ConnectionLogStore {
  private final DataSource dataSource;
  private final SqlDialect dialect;
  private final JdbcSchema schema;
  private final String table;

  /**
   * Creates the store.
   *
   * @param dataSource the database
   * @param dialect its dialect
   * @param schema names the table
   * @throws NullPointerException if an argument is null
   */
  protected JdbcConnectionLogStore(DataSource dataSource, SqlDialect dialect, JdbcSchema schema) {
    this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
    this.dialect = Objects.requireNonNull(dialect, "dialect");
    this.schema = Objects.requireNonNull(schema, "schema");
    this.table = schema.table("connection_log");
  }

  /**
   * Applies the missing migrations of the schema (all Tally tables).
   *
   * @return the versions applied now
   */
  public List<Integer> migrate() {
    return schema.migrate(dataSource);
  }

  /**
   * @return the table written, e.g. {@code tally_connection_log}
   */
  public String table() {
    return table;
  }

  @Override
  public void upsertBatch(List<ConnectionEvent> batch) {
    Objects.requireNonNull(batch, "batch");
    if (batch.isEmpty()) {
      return;
    }
    List<ConnectionEvent> rows = lockOrder(ConnectionEvents.coalesceForStore(batch));
    try {
      dialect.write(
          dataSource,
          table,
          c -> {
            dialect.upsertConnectionLog(c, table, rows);
            return null;
          });
    } catch (SQLException e) {
      throw dialect.storeException(
          "upserting " + rows.size() + " connection-log rows into table " + table, e);
    }
  }

  @Override
  public int deleteOlderThan(Instant cutoff, int limit) {
    Optional<Instant> before = RetentionSupport.cutoff(cutoff, limit);
    if (before.isEmpty()) {
      return 0;
    }
    int[] deleted = new int[1];
    try {
      dialect.write(
          dataSource,
          table,
          c -> deleted[0] = dialect.deleteConnectionLog(c, table, before.get(), limit));
    } catch (SQLException e) {
      throw dialect.storeException(
          "deleting connection-log rows older than " + cutoff + " from table " + table, e);
    }
    return deleted[0];
  }

  @Override
  public Optional<RetentionLock> tryLockRetention() {
    try {
      return dialect.tryLockRetention(dataSource, table);
    } catch (SQLException e) {
      throw dialect.storeException("taking the retention lock of table " + table, e);
    }
  }

  /**
   * Orders rows so that concurrent batches lock the rows they share in one order (no deadlock
   * between replicas): rows with a connection id by {@code (connectionId, workspaceId, agentName)},
   * the unique index, then rows without one by {@code id}.
   *
   * @param rows the rows
   * @return a sorted copy
   */
  public static List<ConnectionEvent> lockOrder(List<ConnectionEvent> rows) {
    List<ConnectionEvent> sorted = new ArrayList<>(rows);
    sorted.sort(ConnectionEvents.rowOrder());
    return sorted;
  }

  @Override
  public String toString() {
    return getClass().getSimpleName() + "{" + table + '}';
  }
}
