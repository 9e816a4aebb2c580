package io.tally.store.postgres;

import io.tally.core.connectionlog.ConnectionEvent;
import io.tally.core.connectionlog.ConnectionEvents;
import io.tally.core.connectionlog.ConnectionLogStore;
import io.tally.core.spi.RetentionSupport;
import io.tally.jdbc.SqlStates;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import javax.sql.DataSource;

/**
 * The {@link ConnectionLogStore} on PostgreSQL: table {@code <prefix>connection_log}.
 *
 * <p>A batch is <b>one statement</b>: each column travels as one array parameter and is
 * {@code unnest}ed; two data-modifying CTEs insert the rows. Events with a connection id go
 * through {@code INSERT … ON CONFLICT (connection_id, workspace_id, agent_name) WHERE
 * connection_id IS NOT NULL DO UPDATE} with the upsert rules of {@link ConnectionLogStore}
 * ({@code LEAST} for the connect time; the disconnect time, reason and code only when the
 * incoming disconnect fills in or is later; rows that would not change are not touched).
 * Events without a connection id go through {@code ON CONFLICT (id) DO NOTHING}, so a retried
 * batch inserts nothing twice. Events of one row are merged first
 * ({@link ConnectionEvents#coalesceForStore(List)}), because {@code ON CONFLICT} cannot touch a
 * row twice in one statement. Rows are sent in one order (connection key, then id), so
 * concurrent batches from several replicas lock the rows they share in the same order and
 * cannot deadlock. With auto-commit off the statement is committed, or rolled back on failure,
 * so a pooled connection never goes back in an aborted transaction. Unnest was measured against COPY into a staging table; see
 * {@code docs/benchmarks.md}.
 *
 * <p>Retention: {@link #deleteOlderThan(Instant, int)} is one statement, {@code DELETE … WHERE id =
 * ANY (ARRAY (SELECT id … WHERE connect_time < ? ORDER BY connect_time LIMIT ? FOR UPDATE SKIP
 * LOCKED))}: the inner select walks the {@code connect_time} index from the oldest row, and skips
 * rows a concurrent upsert has locked (they are deleted by a later batch), so the delete never
 * waits on a writer and a writer waits at most for one batch. The retention lock is a session-level
 * advisory lock, {@code pg_try_advisory_lock(int, int)} with the class {@value #RETENTION_LOCK_CLASS}
 * and the hash of the schema-qualified table, held on a connection of its own for the run and
 * released by {@code pg_advisory_unlock} (or by the server when that connection ends). Thread-safe.
 */
public final class PostgresConnectionLogStore implements ConnectionLogStore {
  private static final String COLUMNS =
      "id, connect_time, organization_id, workspace_owner_id, workspace_id, workspace_name,"
          + " agent_name, type, code, ip, user_agent, user_id, slug_or_port, connection_id,"
          + " disconnect_time, disconnect_reason";
  private static final String NEWER_DISCONNECT =
      "EXCLUDED.disconnect_time IS NOT NULL AND (r.disconnect_time IS NULL"
          + " OR EXCLUDED.disconnect_time > r.disconnect_time)";

  /** The element type of each array parameter, in the order of {@link #COLUMNS}. */
  private static final String[] ARRAY_TYPES = {
    "uuid", "text", "uuid", "uuid", "uuid", "text", "text", "text", "int4", "text", "text", "uuid",
    "text", "uuid", "text", "text"
  };

  /**
   * The first key of the two-key retention advisory lock ("talr"); the second is the hash of the
   * schema-qualified connection-log table.
   */
  static final int RETENTION_LOCK_CLASS = 0x7461_6c72;

  private final DataSource dataSource;
  private final PostgresSchema schema;
  private final String table;
  private final String sql;
  private final String deleteSql;

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
    this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
    this.schema = Objects.requireNonNull(schema, "schema");
    this.table = schema.table("connection_log");
    this.sql = upsertSql(table);
    this.deleteSql = deleteSql(table);
  }

  static String deleteSql(String table) {
    return "DELETE FROM "
        + table
        + " WHERE id = ANY (ARRAY (SELECT id FROM "
        + table
        + " WHERE connect_time < ?::timestamptz ORDER BY connect_time LIMIT ?"
        + " FOR UPDATE SKIP LOCKED))";
  }

  static String upsertSql(String table) {
    return "WITH input AS (SELECT * FROM unnest(?::uuid[], ?::text[]::timestamptz[], ?::uuid[],"
        + " ?::uuid[], ?::uuid[], ?::text[], ?::text[], ?::text[], ?::int4[], ?::text[]::inet[],"
        + " ?::text[], ?::uuid[], ?::text[], ?::uuid[], ?::text[]::timestamptz[], ?::text[])"
        + " AS u("
        + COLUMNS
        + ")),"
        + " keyed AS (INSERT INTO "
        + table
        + " AS r ("
        + COLUMNS
        + ") SELECT "
        + COLUMNS
        + " FROM input WHERE connection_id IS NOT NULL"
        + " ON CONFLICT (connection_id, workspace_id, agent_name) WHERE connection_id IS NOT NULL"
        + " DO UPDATE SET connect_time = LEAST(r.connect_time, EXCLUDED.connect_time),"
        + " disconnect_reason = CASE WHEN "
        + NEWER_DISCONNECT
        + " THEN EXCLUDED.disconnect_reason ELSE r.disconnect_reason END,"
        + " code = CASE WHEN "
        + NEWER_DISCONNECT
        + " THEN EXCLUDED.code ELSE r.code END,"
        + " disconnect_time = GREATEST(r.disconnect_time, EXCLUDED.disconnect_time)"
        + " WHERE EXCLUDED.connect_time < r.connect_time OR ("
        + NEWER_DISCONNECT
        + ") RETURNING 1),"
        + " keyless AS (INSERT INTO "
        + table
        + " ("
        + COLUMNS
        + ") SELECT "
        + COLUMNS
        + " FROM input WHERE connection_id IS NULL ON CONFLICT (id) DO NOTHING RETURNING 1)"
        + " SELECT (SELECT count(*) FROM keyed) + (SELECT count(*) FROM keyless)";
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

  /**
   * Applies the missing migrations of the schema (all Tally tables).
   *
   * @return the versions applied now
   */
  public List<Integer> migrate() {
    return schema.migrate(dataSource);
  }

  /** @return the table written, e.g. {@code tally_connection_log} */
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
    int n = rows.size();
    UUID[] id = new UUID[n];
    String[] connectTime = new String[n];
    UUID[] organizationId = new UUID[n];
    UUID[] workspaceOwnerId = new UUID[n];
    UUID[] workspaceId = new UUID[n];
    String[] workspaceName = new String[n];
    String[] agentName = new String[n];
    String[] type = new String[n];
    Integer[] code = new Integer[n];
    String[] ip = new String[n];
    String[] userAgent = new String[n];
    UUID[] userId = new UUID[n];
    String[] slugOrPort = new String[n];
    UUID[] connectionId = new UUID[n];
    String[] disconnectTime = new String[n];
    String[] disconnectReason = new String[n];
    for (int i = 0; i < n; i++) {
      ConnectionEvent e = rows.get(i);
      id[i] = e.id();
      connectTime[i] = text(e.connectTime());
      organizationId[i] = e.organizationId();
      workspaceOwnerId[i] = e.workspaceOwnerId();
      workspaceId[i] = e.workspaceId();
      workspaceName[i] = e.workspaceName();
      agentName[i] = e.agentName();
      type[i] = e.typeName();
      code[i] = e.code();
      ip[i] = e.ip();
      userAgent[i] = e.userAgent();
      userId[i] = e.userId();
      slugOrPort[i] = e.slugOrPort();
      connectionId[i] = e.connectionId();
      disconnectTime[i] = text(e.disconnectTime());
      disconnectReason[i] = e.disconnectReason();
    }
    Object[][] columns = {
      id, connectTime, organizationId, workspaceOwnerId, workspaceId, workspaceName, agentName,
      type, code, ip, userAgent, userId, slugOrPort, connectionId, disconnectTime, disconnectReason
    };
    try (Connection c = dataSource.getConnection()) {
      boolean autoCommit = c.getAutoCommit();
      try (PreparedStatement ps = c.prepareStatement(sql)) {
        for (int i = 0; i < columns.length; i++) {
          ps.setArray(i + 1, c.createArrayOf(ARRAY_TYPES[i], columns[i]));
        }
        ps.executeQuery().close();
        if (!autoCommit) {
          c.commit();
        }
      } catch (SQLException | RuntimeException e) {
        if (!autoCommit) {
          rollbackQuietly(c, e); // never hand a pooled connection back in an aborted transaction
        }
        throw e;
      }
    } catch (SQLException e) {
      throw SqlStates.storeException(
          "upserting " + n + " connection-log rows into table " + table, e);
    }
  }

  @Override
  public int deleteOlderThan(Instant cutoff, int limit) {
    Optional<Instant> before = RetentionSupport.cutoff(cutoff, limit);
    if (before.isEmpty()) {
      return 0;
    }
    try (Connection c = dataSource.getConnection()) {
      boolean autoCommit = c.getAutoCommit();
      try (PreparedStatement ps = c.prepareStatement(deleteSql)) {
        ps.setString(1, text(before.get()).replace("+", "")); // year 10000 is "+10000-…"
        ps.setInt(2, limit);
        int n = ps.executeUpdate();
        if (!autoCommit) {
          c.commit();
        }
        return n;
      } catch (SQLException | RuntimeException e) {
        if (!autoCommit) {
          rollbackQuietly(c, e);
        }
        throw e;
      }
    } catch (SQLException e) {
      throw SqlStates.storeException(
          "deleting connection-log rows older than " + cutoff + " from table " + table, e);
    }
  }

  @Override
  public Optional<RetentionLock> tryLockRetention() {
    Connection c = null;
    try {
      c = dataSource.getConnection();
      if (!c.getAutoCommit()) {
        c.setAutoCommit(true); // never idle in a transaction for the whole run; restored at release
        return lock(c, false);
      }
      return lock(c, true);
    } catch (SQLException | RuntimeException e) {
      if (c != null) {
        PostgresRetentionLock.discard(c, e);
      }
      if (e instanceof SQLException) {
        throw SqlStates.storeException("taking the retention lock of table " + table, (SQLException) e);
      }
      throw (RuntimeException) e;
    }
  }

  private Optional<RetentionLock> lock(Connection c, boolean autoCommit) throws SQLException {
    if (PostgresRetentionLock.call(c, "pg_try_advisory_lock", RETENTION_LOCK_CLASS, table)) {
      return Optional.of(new PostgresRetentionLock(c, autoCommit, RETENTION_LOCK_CLASS, table));
    }
    c.setAutoCommit(autoCommit);
    c.close();
    return Optional.empty();
  }

  private static void rollbackQuietly(Connection c, Exception failure) {
    try {
      c.rollback();
    } catch (SQLException | RuntimeException e) {
      failure.addSuppressed(e);
    }
  }

  /**
   * Orders rows so that concurrent batches lock the rows they share in one order (no deadlock
   * between replicas): rows with a connection id by {@code (connectionId, workspaceId,
   * agentName)}, the unique index, then rows without one by {@code id}.
   */
  static List<ConnectionEvent> lockOrder(List<ConnectionEvent> rows) {
    List<ConnectionEvent> sorted = new ArrayList<>(rows);
    sorted.sort(ConnectionEvents.rowOrder());
    return sorted;
  }

  private static String text(Instant t) {
    return t == null ? null : t.truncatedTo(ChronoUnit.MICROS).toString(); // never rounded up
  }

  @Override
  public String toString() {
    return "PostgresConnectionLogStore{" + table + '}';
  }
}
