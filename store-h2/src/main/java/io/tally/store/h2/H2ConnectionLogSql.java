package io.tally.store.h2;

import io.tally.core.connectionlog.ConnectionLogStore.RetentionLock;
import io.tally.core.spi.RetentionSupport;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.Semaphore;
import javax.sql.DataSource;

/**
 * The connection-log part of {@link H2Dialect}: the two {@code MERGE} statements (keyed and keyless
 * rows), the bounded delete, and the retention lock of this JVM (see {@link H2ConnectionLogStore}).
 */
final class H2ConnectionLogSql {
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

  private H2ConnectionLogSql() {}

  static String keyedSql(String table) {
    return "MERGE INTO "
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
  }

  static String keylessSql(String table) {
    return "MERGE INTO " + table + " AS r" + SOURCE + " ON r.id = s.id" + INSERT;
  }

  static String deleteSql(String table) {
    return "DELETE FROM "
        + table
        + " WHERE id IN (SELECT id FROM "
        + table
        + " WHERE connect_time < ? ORDER BY connect_time LIMIT ?)";
  }

  /** Deletes at most {@code limit} of the oldest rows in the caller's transaction. */
  static int delete(Connection c, String table, Instant before, int limit) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(deleteSql(table))) {
      ps.setObject(1, OffsetDateTime.ofInstant(before, ZoneOffset.UTC));
      ps.setInt(2, limit);
      return ps.executeUpdate();
    }
  }

  /** The retention lock of {@code table}: one per database URL and table in this JVM. */
  static Optional<RetentionLock> tryLockRetention(DataSource dataSource, String table)
      throws SQLException {
    String key;
    try (Connection c = dataSource.getConnection()) {
      key = c.getMetaData().getURL() + "|" + table;
    }
    Semaphore lock = RETENTION_LOCKS.computeIfAbsent(key, k -> new Semaphore(1));
    return RetentionSupport.tryLock(lock);
  }
}
