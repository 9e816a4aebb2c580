package io.tally.store.h2;

import io.tally.core.connectionlog.ConnectionEvent;
import io.tally.core.connectionlog.ConnectionEvents;
import io.tally.core.connectionlog.ConnectionLogStore;
import io.tally.core.spi.RetentionSupport;
import io.tally.jdbc.SqlStates;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;

/**
 * The {@link ConnectionLogStore} on H2: table {@code <prefix>connection_log}.
 *
 * <p>A batch is written in one transaction with two batched {@code MERGE} statements: one for
 * events with a connection id (matched on {@code (connection_id, workspace_id, agent_name)}, the
 * upsert rules of {@link ConnectionLogStore} as {@code CASE} expressions) and one for events
 * without (matched on {@code id}, insert only, so a retried batch inserts nothing twice). Events
 * of one row are merged first ({@link ConnectionEvents#coalesceForStore(List)}).
 *
 * <p>Retention: {@link #deleteOlderThan(Instant, int)} is one {@code DELETE … WHERE id IN (SELECT
 * id … WHERE connect_time < ? ORDER BY connect_time LIMIT ?)} in a transaction of its own, run
 * like an upsert (one writer per table in this JVM, so an upsert waits at most for one batch). H2
 * has no advisory locks: the retention lock is a lock per database URL and table in this JVM,
 * which covers every replica of an embedded database. Replicas in several JVMs sharing an H2
 * server are not covered: their runs may overlap, which deletes nothing wrongly, only twice the
 * work. Thread-safe.
 */
public final class H2ConnectionLogStore implements ConnectionLogStore {
  private static final String COLUMNS =
      "id, connect_time, organization_id, workspace_owner_id, workspace_id, workspace_name,"
          + " agent_name, type, code, ip, user_agent, user_id, slug_or_port, connection_id,"
          + " disconnect_time, disconnect_reason";
  private static final String SOURCE =
      " USING (VALUES (CAST(? AS UUID), CAST(? AS TIMESTAMP(6) WITH TIME ZONE), CAST(? AS UUID),"
          + " CAST(? AS UUID), CAST(? AS UUID), CAST(? AS VARCHAR), CAST(? AS VARCHAR),"
          + " CAST(? AS VARCHAR), CAST(? AS INTEGER), CAST(? AS VARCHAR), CAST(? AS VARCHAR),"
          + " CAST(? AS UUID), CAST(? AS VARCHAR), CAST(? AS UUID),"
          + " CAST(? AS TIMESTAMP(6) WITH TIME ZONE), CAST(? AS VARCHAR)))"
          + " AS s("
          + COLUMNS
          + ")";
  private static final String INSERT =
      " WHEN NOT MATCHED THEN INSERT ("
          + COLUMNS
          + ") VALUES (s.id, s.connect_time, s.organization_id, s.workspace_owner_id,"
          + " s.workspace_id, s.workspace_name, s.agent_name, s.type, s.code, s.ip, s.user_agent,"
          + " s.user_id, s.slug_or_port, s.connection_id, s.disconnect_time, s.disconnect_reason)";
  private static final String NEWER_DISCONNECT =
      "s.disconnect_time IS NOT NULL AND (r.disconnect_time IS NULL"
          + " OR s.disconnect_time > r.disconnect_time)";

  /** The retention locks of this JVM, by database URL and table. */
  private static final ConcurrentMap<String, Semaphore> RETENTION_LOCKS = new ConcurrentHashMap<>();

  private final DataSource dataSource;
  private final H2Schema schema;
  private final String table;
  private final String keyedSql;
  private final String keylessSql;
  private final String deleteSql;

  /**
   * Creates the store on the default schema ({@link H2Schema#defaults()}).
   *
   * @param dataSource the database
   */
  public H2ConnectionLogStore(DataSource dataSource) {
    this(dataSource, H2Schema.defaults());
  }

  /**
   * Creates the store.
   *
   * @param dataSource the database
   * @param schema names the table
   */
  public H2ConnectionLogStore(DataSource dataSource, H2Schema schema) {
    this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
    this.schema = Objects.requireNonNull(schema, "schema");
    this.table = schema.table("connection_log");
    this.keyedSql =
        "MERGE INTO "
            + table
            + " AS r"
            + SOURCE
            + " ON r.connection_id = s.connection_id AND r.workspace_id = s.workspace_id"
            + " AND r.agent_name = s.agent_name"
            + " WHEN MATCHED THEN UPDATE SET"
            + " connect_time = CASE WHEN s.connect_time < r.connect_time THEN s.connect_time"
            + " ELSE r.connect_time END,"
            + " disconnect_reason = CASE WHEN "
            + NEWER_DISCONNECT
            + " THEN s.disconnect_reason ELSE r.disconnect_reason END,"
            + " code = CASE WHEN "
            + NEWER_DISCONNECT
            + " THEN s.code ELSE r.code END,"
            + " disconnect_time = CASE WHEN "
            + NEWER_DISCONNECT
            + " THEN s.disconnect_time ELSE r.disconnect_time END"
            + INSERT;
    this.keylessSql = "MERGE INTO " + table + " AS r" + SOURCE + " ON r.id = s.id" + INSERT;
    this.deleteSql =
        "DELETE FROM "
            + table
            + " WHERE id IN (SELECT id FROM "
            + table
            + " WHERE connect_time < ? ORDER BY connect_time LIMIT ?)";
  }

  /**
   * Creates the store on the default schema ({@link H2Schema#defaults()}); the same as the
   * one-argument constructor, in the {@code create} form every Tally store offers.
   *
   * @param dataSource the database
   * @return the store; call {@link #migrate()} once to create its tables
   * @throws NullPointerException if {@code dataSource} is null
   */
  public static H2ConnectionLogStore create(DataSource dataSource) {
    return new H2ConnectionLogStore(dataSource);
  }

  /**
   * Creates the store on {@code schema}, which names its table.
   *
   * @param dataSource the database
   * @param schema names the table
   * @return the store; call {@link #migrate()} once to create its tables
   * @throws NullPointerException if an argument is null
   */
  public static H2ConnectionLogStore create(DataSource dataSource, H2Schema schema) {
    return new H2ConnectionLogStore(dataSource, schema);
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
    List<ConnectionEvent> rows = new ArrayList<>(ConnectionEvents.coalesceForStore(batch));
    rows.sort(ConnectionEvents.rowOrder()); // one lock order for every writer: no deadlocks between batches
    try {
      H2Writes.run(dataSource, table, c -> upsert(c, rows));
    } catch (SQLException e) {
      throw SqlStates.storeException(
          "upserting " + rows.size() + " connection-log rows into table " + table, e);
    }
  }

  private void upsert(Connection c, List<ConnectionEvent> rows) throws SQLException {
    boolean auto = c.getAutoCommit();
    c.setAutoCommit(false);
    try (PreparedStatement keyed = c.prepareStatement(keyedSql);
        PreparedStatement keyless = c.prepareStatement(keylessSql)) {
      int nKeyed = 0;
      int nKeyless = 0;
      for (ConnectionEvent e : rows) {
        if (e.connectionId() != null) {
          bind(keyed, e);
          keyed.addBatch();
          nKeyed++;
        } else {
          bind(keyless, e);
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
      c.commit();
    } catch (SQLException | RuntimeException e) {
      rollbackQuietly(c, auto, e);
      throw e;
    }
    c.setAutoCommit(auto);
  }

  @Override
  public int deleteOlderThan(Instant cutoff, int limit) {
    Optional<Instant> before = RetentionSupport.cutoff(cutoff, limit);
    if (before.isEmpty()) {
      return 0;
    }
    AtomicInteger deleted = new AtomicInteger();
    try {
      H2Writes.run(dataSource, table, c -> deleted.set(delete(c, before.get(), limit)));
    } catch (SQLException e) {
      throw SqlStates.storeException(
          "deleting connection-log rows older than " + cutoff + " from table " + table, e);
    }
    return deleted.get();
  }

  private int delete(Connection c, Instant before, int limit) throws SQLException {
    boolean auto = c.getAutoCommit();
    c.setAutoCommit(false);
    int n;
    try (PreparedStatement ps = c.prepareStatement(deleteSql)) {
      ps.setObject(1, OffsetDateTime.ofInstant(before, ZoneOffset.UTC));
      ps.setInt(2, limit);
      n = ps.executeUpdate();
      c.commit();
    } catch (SQLException | RuntimeException e) {
      rollbackQuietly(c, auto, e);
      throw e;
    }
    c.setAutoCommit(auto);
    return n;
  }

  @Override
  public Optional<RetentionLock> tryLockRetention() {
    String key;
    try (Connection c = dataSource.getConnection()) {
      key = c.getMetaData().getURL() + "|" + table;
    } catch (SQLException e) {
      throw SqlStates.storeException("taking the retention lock of table " + table, e);
    }
    Semaphore lock = RETENTION_LOCKS.computeIfAbsent(key, k -> new Semaphore(1));
    return RetentionSupport.tryLock(lock);
  }

  /**
   * Rolls back after {@code failure} and restores the auto-commit mode; a failure of either is
   * added to {@code failure} as suppressed, so the original exception is the one thrown.
   */
  private static void rollbackQuietly(Connection c, boolean autoCommit, Exception failure) {
    try {
      c.rollback();
    } catch (SQLException | RuntimeException e) {
      failure.addSuppressed(e);
    }
    try {
      c.setAutoCommit(autoCommit);
    } catch (SQLException | RuntimeException e) {
      failure.addSuppressed(e);
    }
  }

  private static void bind(PreparedStatement ps, ConnectionEvent e) throws SQLException {
    ps.setObject(1, e.id());
    ps.setObject(2, time(e.connectTime()));
    ps.setObject(3, e.organizationId());
    ps.setObject(4, e.workspaceOwnerId());
    ps.setObject(5, e.workspaceId());
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
    ps.setObject(12, e.userId());
    ps.setString(13, e.slugOrPort());
    ps.setObject(14, e.connectionId());
    ps.setObject(15, time(e.disconnectTime()));
    ps.setString(16, e.disconnectReason());
  }

  private static OffsetDateTime time(Instant t) {
    // truncated in Java: H2 would round nanoseconds, possibly up
    return t == null ? null : OffsetDateTime.ofInstant(t.truncatedTo(ChronoUnit.MICROS), ZoneOffset.UTC);
  }

  @Override
  public String toString() {
    return "H2ConnectionLogStore{" + table + '}';
  }
}
